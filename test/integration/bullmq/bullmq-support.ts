import { randomUUID } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import type { BullRequest } from '../../fixtures/bullmq-app/protocol.js';
import { FixtureProcess } from '../../helpers/child-process.js';
import { DEFAULT_PG_URL } from '../../fixtures/shared/rows-data-source.js';

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

/** A fixture app of a queue transport: test/fixtures/<app>/worker-process.ts. */
export type QueueApp = 'bullmq-app' | 'pg-boss-app';

/** One process running a queue fixture app (the BullMQ one unless told), answering the requests of bullmq-app/protocol.ts. */
export class QueueChild extends FixtureProcess<BullRequest> {
  static async start(name: string, env: Record<string, string>, app: QueueApp = 'bullmq-app'): Promise<QueueChild> {
    const child = new QueueChild(
      name,
      FixtureProcess.fork(new URL(`../../fixtures/${app}/worker-process.ts`, import.meta.url), { ...env, WORKER_NAME: name }),
    );
    await child.ready();
    return child;
  }
}

/** The rows table of a test, in the shared PostgreSQL test database. */
export class RowsTable {
  private constructor(
    readonly name: string,
    private readonly dataSource: DataSource,
  ) {}

  /** In the shared test database, or the one of `url` (a private cluster's). Fails (never skips) when PostgreSQL cannot be reached, naming it. */
  static async create(primaryKey: boolean, url = DEFAULT_PG_URL): Promise<RowsTable> {
    const dataSource = new DataSource({ type: 'postgres', url, connectTimeoutMS: 5000, poolSize: 2 });
    try {
      await dataSource.initialize();
    } catch (error) {
      throw new Error(
        `PostgreSQL is required by these tests but is unreachable at ${url}: ${(error as Error).message} (CI=${process.env.CI ?? 'unset'})`,
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

  /** The keys with more than one row, and how many each has. */
  async keysTwice(): Promise<Array<{ key: number; n: number }>> {
    return (await this.dataSource.query(
      `SELECT key, count(*)::int AS n FROM ${this.name} GROUP BY key HAVING count(*) > 1 ORDER BY key`,
    )) as Array<{ key: number; n: number }>;
  }

  /** The smallest and the largest key. */
  async keyRange(): Promise<{ readonly min: number | null; readonly max: number | null }> {
    const [row] = (await this.dataSource.query(`SELECT min(key)::int AS min, max(key)::int AS max FROM ${this.name}`)) as Array<{
      min: number | null;
      max: number | null;
    }>;
    return row!;
  }

  async rowsOf(key: number): Promise<Array<{ worker: string; attempt: number }>> {
    return (await this.dataSource.query(`SELECT worker, attempt FROM ${this.name} WHERE key = $1 ORDER BY id`, [key])) as Array<{
      worker: string;
      attempt: number;
    }>;
  }

  async drop(): Promise<void> {
    await this.dataSource.query(`DROP TABLE IF EXISTS ${this.name}`);
    await this.dataSource.destroy();
  }
}
