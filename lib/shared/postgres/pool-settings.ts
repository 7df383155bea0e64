import type { PostgresPoolConfig } from '../../progress/postgres/postgres-pool.interface.js';

/**
 * The settings a `pg.Pool` was made with (`pool.options`, which every
 * node-postgres pool has), to open other connections like its own: the
 * tracker's LISTEN connection, BullMQ's connections beside an app's pool.
 * `undefined` for anything without them.
 */
export function poolSettings(pool: object): PostgresPoolConfig | undefined {
  const given = (pool as { options?: unknown }).options;
  if (typeof given !== 'object' || given === null) return undefined;
  const { password } = given as PostgresPoolConfig;
  // pg-pool keeps the password as a non-enumerable property, which a spread would drop.
  return password === undefined ? { ...given } : { ...given, password };
}
