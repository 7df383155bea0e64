import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { DataSource } from 'typeorm';

export const POSTGRES_URL = process.env.SAMPLE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.SAMPLE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A schema of its own in the test database, so parallel runs never meet. */
export interface FreshSchema {
  readonly schema: string;
  /** Runs SQL in the test database, to check what the sample wrote. */
  query<Row>(sql: string, parameters?: unknown[]): Promise<Row[]>;
  /** Drops the schema, and the schemas named after it (`<schema>_…`: pg-boss's, its progress table's). */
  drop(): Promise<void>;
}

export async function freshPostgresSchema(): Promise<FreshSchema> {
  const schema = `sample_e2e_${randomBytes(6).toString('hex')}`;
  const admin = new DataSource({ type: 'postgres', url: POSTGRES_URL, connectTimeoutMS: 10_000 });
  try {
    await admin.initialize();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_URL} (${(error as Error).message}); this test needs it`);
  }
  await admin.query(`CREATE SCHEMA ${schema}`);
  return {
    schema,
    query: (sql, parameters) => admin.query(sql, parameters),
    drop: async () => {
      const named: Array<{ nspname: string }> = await admin.query('SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)', [
        `${schema}_`,
      ]);
      for (const name of [schema, ...named.map((row) => row.nspname)]) await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
      await admin.destroy();
    },
  };
}

/** Fails with a message naming Redis when nothing answers at {@link REDIS_URL}. */
export async function requireRedis(): Promise<void> {
  const { hostname, port } = new URL(REDIS_URL);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(10_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (!reachable) throw new Error(`Redis is not reachable at ${REDIS_URL}; this test needs it`);
}
