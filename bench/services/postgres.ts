import type { EventEmitter } from 'node:events';
import { DataSource } from 'typeorm';

/** The machine's PostgreSQL (database `test`), unless BENCH_POSTGRES_URL says otherwise. */
export const POSTGRES_URL = process.env['BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A DataSource on PostgreSQL with a table of the bench's own (named after the
 * process, so a concurrent test run never collides with it), dropped on close.
 */
export class BenchDatabase {
  readonly insert: string;

  private constructor(
    readonly dataSource: DataSource,
    private readonly table: string,
  ) {
    this.insert = `INSERT INTO ${table} (n, label) VALUES ($1, $2)`;
  }

  static async open(): Promise<BenchDatabase> {
    const dataSource = new DataSource({ type: 'postgres', url: POSTGRES_URL, poolSize: 10 });
    try {
      await dataSource.initialize();
    } catch (error) {
      throw new Error(`the TypeORM scenario needs PostgreSQL at ${POSTGRES_URL}: ${(error as Error).message}`);
    }
    const table = `bench_asyncjob_${process.pid}`;
    await dataSource.query(`CREATE TABLE IF NOT EXISTS ${table} (id serial PRIMARY KEY, n integer NOT NULL, label text NOT NULL)`);
    return new BenchDatabase(dataSource, table);
  }

  /** Counts connections checked out of the pool while `work` runs. */
  async countCheckouts(work: () => Promise<void>): Promise<number> {
    const pool = (this.dataSource.driver as unknown as { master: EventEmitter }).master;
    let checkouts = 0;
    const onAcquire = (): void => void checkouts++;
    pool.on('acquire', onAcquire);
    try {
      await work();
    } finally {
      pool.off('acquire', onAcquire);
    }
    return checkouts;
  }

  async rowCount(): Promise<number> {
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS count FROM ${this.table}`)) as Array<{ count: number }>;
    return row?.count ?? 0;
  }

  async close(): Promise<void> {
    await this.dataSource.query(`DROP TABLE IF EXISTS ${this.table}`);
    await this.dataSource.destroy();
  }
}
