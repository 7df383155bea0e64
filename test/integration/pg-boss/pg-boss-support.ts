import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { PgBossPool } from 'nestjs-asyncjob/pg-boss';

/** What the tests use of a `pg` pool (pg ships no types, and @types/pg is not installed). */
export interface TestPool extends PgBossPool {
  end(): Promise<void>;
}
const pg = createRequire(import.meta.url)('pg') as {
  Pool: new (config: object) => TestPool & { on(event: 'error', listener: (error: Error) => void): unknown };
};

/** The shared test database: PostgreSQL on 127.0.0.1:5432, user postgres (trust), database test. */
export const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** A pg-boss schema no other test run uses. */
export function uniqueSchema(name: string): string {
  return `asyncjob_test_${name}_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
}

/** A pool of the test database, as an app would hand the transport its own. */
export function openPool(max = 10): TestPool {
  return new pg.Pool({ connectionString: PG_URL, max, connectionTimeoutMillis: 5000 });
}

/**
 * Fails (never skips) when the test PostgreSQL (or the one of `url`, a
 * private cluster's) cannot be reached, with a message that names it.
 * Returns a pool the test inspects pg-boss's tables with, and drops its
 * schemas with.
 */
export async function requirePostgres(url = PG_URL): Promise<TestPool> {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000 });
  // An idle connection broken by an outage (a private cluster stopped by the test) must not crash the test process.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
    return pool;
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is required by these tests but is unreachable at ${url}: ${(error as Error).message} (CI=${process.env.CI ?? 'unset'})`,
    );
  }
}

/** pg-boss's row of the job our `id` names (a library id: `asyncjob_<uuid>`). */
export async function bossRow(
  pool: TestPool,
  schema: string,
  id: string,
): Promise<{ name: string; state: string; retry_count: number; output: unknown; data: unknown } | undefined> {
  const uuid = id.replace(/^asyncjob_/, '');
  const { rows } = await pool.query(`SELECT name, state, retry_count, output, data FROM ${schema}.job WHERE id = $1`, [uuid]);
  return rows[0] as { name: string; state: string; retry_count: number; output: unknown; data: unknown } | undefined;
}

export async function dropSchema(pool: TestPool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}
