import { randomUUID } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { BullRequest } from '../../fixtures/bullmq-app/protocol.js';
import { FixtureProcess } from '../../helpers/child-process.js';

/** A BullMQ prefix and queue name no other test run uses. */
export function uniqueQueue(name: string): { readonly prefix: string; readonly queueName: string } {
  return { prefix: `asyncjob-test-bull-${randomUUID().slice(0, 8)}`, queueName: name };
}

/** `asyncjob_<BullMQ's number>_<secret>`: an id the library made for a job BullMQ numbered. */
const NUMBERED = /^asyncjob_(\d+)_([A-Za-z0-9_-]{22})$/;

/** BullMQ's id of the job our `id` names: its number, or the id itself when the job was given one. */
export function bullId(id: string): string {
  return NUMBERED.exec(id)?.[1] ?? id;
}

/** The BullMQ job our `id` names, if `queue` holds it (a numbered id's secret is in its job's data). */
export async function bullJob(queue: Queue, id: string): Promise<Job | undefined> {
  const numbered = NUMBERED.exec(id);
  const job = (await queue.getJob(numbered?.[1] ?? id)) as Job | undefined;
  if (!numbered || !job) return job;
  return (job.data as { secret?: unknown }).secret === numbered[2] ? job : undefined;
}

/** One process running test/fixtures/bullmq-app/worker-process.ts. */
export class BullChild extends FixtureProcess<BullRequest> {
  static async start(name: string, env: Record<string, string>): Promise<BullChild> {
    const app = new BullChild(
      name,
      FixtureProcess.fork(new URL('../../fixtures/bullmq-app/worker-process.ts', import.meta.url), { ...env, WORKER_NAME: name }),
    );
    await app.ready();
    return app;
  }
}

/** The rows table of a test, in the shared PostgreSQL test database. */
export class RowsTable {
  private constructor(
    readonly name: string,
    private readonly dataSource: DataSource,
  ) {}

  /** Fails (never skips) when PostgreSQL cannot be reached, naming it. */
  static async create(primaryKey: boolean): Promise<RowsTable> {
    const dataSource = new DataSource({
      type: 'postgres',
      host: '127.0.0.1',
      port: 5432,
      username: 'postgres',
      database: 'test',
      connectTimeoutMS: 5000,
      poolSize: 2,
    });
    try {
      await dataSource.initialize();
    } catch (error) {
      throw new Error(
        `PostgreSQL is required by these tests but is unreachable at 127.0.0.1:5432 (user postgres, database test): ${(error as Error).message} (CI=${process.env.CI ?? 'unset'})`,
      );
    }
    const name = `bullmq_rows_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    await dataSource.query(
      `CREATE TABLE ${name} (id serial, key integer NOT NULL${primaryKey ? ' PRIMARY KEY' : ''}, worker text NOT NULL, attempt integer NOT NULL)`,
    );
    return new RowsTable(name, dataSource);
  }

  async counts(): Promise<{ readonly rows: number; readonly keys: number }> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*)::int AS rows, count(DISTINCT key)::int AS keys FROM ${this.name}`,
    )) as Array<{ rows: number; keys: number }>;
    return row!;
  }

  async byWorker(): Promise<Record<string, number>> {
    const rows = (await this.dataSource.query(`SELECT worker, count(*)::int AS n FROM ${this.name} GROUP BY worker`)) as Array<{
      worker: string;
      n: number;
    }>;
    return Object.fromEntries(rows.map((row) => [row.worker, row.n]));
  }

  async rowsOf(key: number): Promise<Array<{ worker: string; attempt: number }>> {
    return (await this.dataSource.query(`SELECT worker, attempt FROM ${this.name} WHERE key = $1`, [key])) as Array<{
      worker: string;
      attempt: number;
    }>;
  }

  async drop(): Promise<void> {
    await this.dataSource.query(`DROP TABLE IF EXISTS ${this.name}`);
    await this.dataSource.destroy();
  }
}
