/**
 * A queue transport's PostgreSQL options, read the same way by every engine
 * on PostgreSQL (pg-boss, BullMQ's PostgreSQL backend): the connection (a
 * `postgres://` URL, node-postgres pool options, or the app's own pool) and
 * the schema of the engine's tables.
 */
import { InvalidOptionError } from '../../errors/invalid-option.error.js';

/** The app's pool (shared, never ended), or the settings of one to open (and end). */
export type PostgresSource<Pool extends object, Config extends object> = { readonly pool: Pool } | { readonly config: Config };

/**
 * `value` as a {@link PostgresSource}; an {@link InvalidOptionError} naming
 * `option` when it is none. A URL becomes `{ connectionString }`, and
 * anything that queries and connects like a `pg.Pool` is taken as one.
 */
export function postgresSource<Pool extends object, Config extends object>(option: string, value: unknown): PostgresSource<Pool, Config> {
  if (typeof value === 'string') {
    if (!/^postgres(?:ql)?:\/\//.test(value)) throw new InvalidOptionError(option, value, 'a postgres:// or postgresql:// URL');
    return { config: { connectionString: value } as Config };
  }
  if (typeof value !== 'object' || value === null) {
    throw new InvalidOptionError(option, value, 'a postgres:// URL, pg pool options or a pg.Pool');
  }
  const pool = value as { query?: unknown; connect?: unknown };
  if (typeof pool.query === 'function' && typeof pool.connect === 'function') return { pool: value as Pool };
  return { config: { ...value } as Config };
}

/** Written into SQL as an identifier: lower-case, unquoted form only. 39 at most: the default tracker's schema adds "_progress" within its own limit of 48. */
const ENGINE_SCHEMA = /^[a-z_][a-z0-9_]{0,38}$/;

/** The schema of an engine's tables (`value`, or `fallback` when unset); an {@link InvalidOptionError} naming `option` when it cannot be one. */
export function engineSchema(option: string, value: unknown, fallback: string): string {
  const schema = value ?? fallback;
  if (typeof schema !== 'string' || !ENGINE_SCHEMA.test(schema)) {
    throw new InvalidOptionError(option, schema, 'a lower-case PostgreSQL identifier (letters, digits, "_")');
  }
  return schema;
}
