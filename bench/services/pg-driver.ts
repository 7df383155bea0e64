import { createRequire } from 'node:module';
import type { PostgresPool } from '../../lib/postgres/index.js';

/** A `pg.Pool`, as far as the bench uses it. */
export interface BenchPool extends PostgresPool {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** The statement entry point of every node-postgres connection: `Client.prototype.query(config, values, callback)`. */
export type ClientQuery = (this: unknown, config: unknown, ...rest: unknown[]) => unknown;

/** What the bench uses of node-postgres, which ships no types (and @types/pg is not installed). */
interface PgDriver {
  readonly Pool: new (config: object) => BenchPool;
  readonly Client: { readonly prototype: { query: ClientQuery } };
}

/**
 * node-postgres, the very module instance the library, pg-boss and TypeORM
 * load (one copy in node_modules; its ESM entry re-exports the CommonJS one).
 */
export const pg = createRequire(import.meta.url)('pg') as PgDriver;
