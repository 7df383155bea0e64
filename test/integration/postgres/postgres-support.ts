import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { PostgresPool, PostgresPoolConfig } from 'nestjs-asyncjob/postgres';

/** A node-postgres pool, as far as the tests use one (pg ships no types, and @types/pg is not a dependency). */
export interface TestPool extends PostgresPool {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }>;
  readonly totalCount: number;
}

/** node-postgres itself, loaded as the library loads it. */
export const pg = createRequire(import.meta.url)('pg') as { Pool: new (config: PostgresPoolConfig) => TestPool };

/** The shared test PostgreSQL. Tests use a schema of their own each, and drop it. */
export const PG_HOST = '127.0.0.1';
export const PG_PORT = 5432;
export const PG_USER = 'postgres';
export const PG_DATABASE = 'test';
export const PG_URL = `postgresql://${PG_USER}@${PG_HOST}:${PG_PORT}/${PG_DATABASE}`;

/** A schema name no other test run uses. */
export function uniqueSchema(name: string): string {
  return `asyncjob_test_${name}_${randomUUID().slice(0, 8)}`;
}

/** A plain pool on the test database, for looking at the tables; the caller ends it. */
export function inspector(port = PG_PORT): TestPool {
  const pool = new pg.Pool({ host: PG_HOST, port, user: PG_USER, database: PG_DATABASE, max: 2, connectionTimeoutMillis: 5000 });
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Fails (never skips) when the test PostgreSQL cannot be reached, with a
 * message that names it. Returns a connected inspector pool.
 */
export async function requirePostgres(port = PG_PORT): Promise<TestPool> {
  const pool = inspector(port);
  try {
    await pool.query('SELECT 1');
    return pool;
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is required by these tests but is unreachable at ${PG_HOST}:${port}, database ${PG_DATABASE}, user ${PG_USER} ` +
        `(${(error as Error).message}); start it with trust authentication for that user (CI=${process.env.CI ?? 'unset'})`,
    );
  }
}

/** Drops `schema` and everything in it. */
export async function dropSchema(pool: TestPool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** The rows of a tracker's table, expired ones included. */
export async function tableRows(
  pool: TestPool,
  schema: string,
  table = 'job_progress',
): Promise<Array<{ id: string; progress: string | null; status: string | null; expires_at: Date; alive: boolean }>> {
  const { rows } = await pool.query(
    `SELECT id, progress, status, expires_at, expires_at > now() AS alive FROM "${schema}"."${table}" ORDER BY id`,
  );
  return rows as unknown as Array<{ id: string; progress: string | null; status: string | null; expires_at: Date; alive: boolean }>;
}
