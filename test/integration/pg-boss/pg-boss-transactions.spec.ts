import { Injectable, Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DataSource } from 'typeorm';
import 'nestjs-asyncjob/typeorm';
import {
  AsyncJob,
  AsyncJobService,
  CommitFailedError,
  EnqueueInTransactionError,
  InvalidArgumentError,
  NoTransactionError,
} from 'nestjs-asyncjob';
import { PgBossTransport, type PgBossTransportOptions } from 'nestjs-asyncjob/pg-boss';
import { createJobApp, gate, until, type Gate, type JobApp } from '../../helpers/job-app.js';
import { PG_URL, bossRow, dropSchema, requirePostgres, uniqueSchema, type TestPool } from './pg-boss-support.js';

/** The effects table of the current test, and the gates its jobs wait on. */
const effects = { table: '', held: new Map<number, Gate>(), ran: [] as number[] };

@Injectable()
class OrderJobs {
  constructor(private readonly jobs: AsyncJobService) {}

  /** Writes one row through the job's transaction; waits first on the test's gate for `key`, if there is one. */
  @AsyncJob('orders.ship')
  async ship(key: number): Promise<{ key: number }> {
    effects.ran.push(key);
    const manager = await this.jobs.entityManager();
    await manager.query(`INSERT INTO ${effects.table} (key, attempt) VALUES ($1, $2)`, [key, this.jobs.currentJob()!.attempt]);
    await effects.held.get(key)?.promise;
    return { key };
  }

  /** Writes nothing: its completion is pg-boss's own. */
  @AsyncJob('orders.note')
  note(text: string): string {
    return text;
  }
}

function postgresDataSource(database = 'test'): DataSource {
  return new DataSource({
    type: 'postgres',
    host: '127.0.0.1',
    port: 5432,
    username: 'postgres',
    database,
    poolSize: 4,
    connectTimeoutMS: 5000,
  });
}

/**
 * Enqueue inside the caller's transaction (`startIn`) and completion inside
 * the job's own (database effects exactly once), on the real PostgreSQL.
 */
describe('PgBossTransport and transactions', () => {
  let pool: TestPool;
  let dataSource: DataSource;
  let schema: string;
  const apps: JobApp[] = [];

  async function app(
    options: Partial<PgBossTransportOptions> = {},
    moduleDataSource: DataSource | undefined = dataSource,
  ): Promise<JobApp> {
    const connection = options.dataSource ? {} : { connection: PG_URL };
    const transport = new PgBossTransport({ ...connection, schema, pollingInterval: 0.5, ...options });
    const created = await createJobApp(
      { transport, shutdownTimeout: 2000, ...(moduleDataSource ? { dataSource: moduleDataSource } : {}) },
      { providers: [OrderJobs] },
    );
    apps.push(created);
    return created;
  }

  async function rows(): Promise<{ key: number; attempt: number }[]> {
    return (await pool.query(`SELECT key, attempt FROM ${effects.table} ORDER BY key, attempt`)).rows as { key: number; attempt: number }[];
  }

  beforeAll(async () => {
    pool = await requirePostgres();
    dataSource = postgresDataSource();
    await dataSource.initialize();
  });

  beforeEach(async () => {
    schema = uniqueSchema('trx');
    effects.table = `${schema}_effects`;
    effects.held.clear();
    effects.ran = [];
    await pool.query(`CREATE TABLE ${effects.table} (key int NOT NULL, attempt int NOT NULL)`);
  });

  afterEach(async () => {
    for (const held of effects.held.values()) held.open();
    await Promise.all(apps.splice(0).map((created) => created.close()));
    await pool.query(`DROP TABLE IF EXISTS ${effects.table}`);
    await dropSchema(pool, schema);
    await dropSchema(pool, `${schema}_progress`);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await pool?.end();
  });

  it('startIn: a rolled-back transaction leaves no job; a committed one exactly one, which runs only after the commit', async () => {
    const { jobs } = await app();
    let dropped = '';
    await expect(
      dataSource.transaction(async (manager) => {
        dropped = await jobs.startIn(manager, OrderJobs, 'ship', 1);
        expect(dropped).toMatch(/^asyncjob_/);
        throw new Error('the order was refused');
      }),
    ).rejects.toThrow('the order was refused');
    expect(await bossRow(pool, schema, dropped)).toBeUndefined();
    expect(await jobs.getStatus(dropped)).toBeNull();

    const queryRunner = dataSource.createQueryRunner();
    await queryRunner.connect();
    await queryRunner.startTransaction();
    const id = await jobs.startIn(queryRunner, OrderJobs, 'ship', 2);
    await queryRunner.query(`INSERT INTO ${effects.table} (key, attempt) VALUES (0, 0)`);
    // Open for more than two polls of every worker: the job is invisible to them, and to everyone else.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(effects.ran).toEqual([]);
    expect(await bossRow(pool, schema, id)).toBeUndefined();
    expect(await jobs.getStatus(id)).toBeNull();
    await queryRunner.commitTransaction();
    await queryRunner.release();

    expect(await jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: { key: 2 } });
    expect(effects.ran).toEqual([2]);
    expect(await rows()).toEqual([
      { key: 0, attempt: 0 },
      { key: 2, attempt: 1 },
    ]);
    const { rows: jobsOfQueue } = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.job WHERE name = 'asyncjob'`);
    expect(jobsOfQueue).toEqual([{ n: 1 }]);
  });

  it('startIn announces the job on events$ only once its transaction commits, and takes start options', async () => {
    const { jobs } = await app();
    const queued: string[] = [];
    const subscription = jobs.events$.subscribe((event) => event.type === 'queued' && queued.push(event.id));
    try {
      let id = '';
      await dataSource.transaction(async (manager) => {
        id = await jobs.startInWith(manager, { jobId: 'order-7', priority: 1 }, OrderJobs, 'note', 'seven');
        expect(queued).toEqual([]);
      });
      expect(id).toBe('order-7');
      await until(() => queued.length === 1, 'the queued event after the commit');
      expect(queued).toEqual(['order-7']);
      expect(await jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 'seven' });
    } finally {
      subscription.unsubscribe();
    }
  });

  it('refuses what it cannot enqueue in a transaction with a typed error that says why', async () => {
    const { jobs } = await app();
    // Not inside an active transaction: released, or never started.
    const released = dataSource.createQueryRunner();
    await released.connect();
    await released.release();
    await expect(jobs.startIn(released, OrderJobs, 'ship', 1)).rejects.toBeInstanceOf(NoTransactionError);
    await expect(jobs.startIn(dataSource.manager, OrderJobs, 'ship', 1)).rejects.toMatchObject({ reason: 'inactive' });
    await expect(jobs.startIn({} as never, OrderJobs, 'ship', 1)).rejects.toBeInstanceOf(InvalidArgumentError);
    // Arguments that are not JSON fail at the call, inside the transaction, which the caller then rolls back.
    await expect(
      dataSource.transaction((manager) => jobs.startIn(manager, OrderJobs, 'note', { when: 10n } as never)),
    ).rejects.toBeInstanceOf(InvalidArgumentError);

    // A PostgreSQL database that does not hold pg-boss's schema.
    const elsewhere = postgresDataSource('postgres');
    await elsewhere.initialize();
    try {
      await expect(elsewhere.transaction((manager) => jobs.startIn(manager, OrderJobs, 'note', 'x'))).rejects.toMatchObject({
        name: 'EnqueueInTransactionError',
        reason: 'other-database',
      });
    } finally {
      await elsewhere.destroy();
    }

    // Not PostgreSQL at all.
    const sqlite = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await sqlite.initialize();
    try {
      const refused = sqlite.transaction((manager) => jobs.startIn(manager, OrderJobs, 'note', 'x'));
      await expect(refused).rejects.toBeInstanceOf(EnqueueInTransactionError);
      await expect(refused).rejects.toMatchObject({ reason: 'not-postgres', code: 'ASYNCJOB_ENQUEUE_IN_TRANSACTION' });
    } finally {
      await sqlite.destroy();
    }
    const { rows: none } = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.job`);
    expect(none).toEqual([{ n: 0 }]);
  });

  it('refuses startIn on a module whose engine cannot enqueue in a transaction (the in-process one)', async () => {
    const created = await createJobApp({ dataSource }, { providers: [OrderJobs] });
    apps.push(created);
    await expect(dataSource.transaction((manager) => created.jobs.startIn(manager, OrderJobs, 'note', 'x'))).rejects.toMatchObject({
      name: 'EnqueueInTransactionError',
      reason: 'unsupported',
      message: expect.stringContaining('startAfterCommit') as string,
    });
  });

  it("commits a job's writes and pg-boss's record of its completion in one transaction", async () => {
    const { jobs } = await app();
    const held = gate();
    effects.held.set(5, held);
    const id = await jobs.start(OrderJobs, 'ship', 5);
    await until(() => effects.ran.length === 1, 'the job runs');
    await until(async () => (await bossRow(pool, schema, id))?.state === 'active', 'pg-boss records it active');
    held.open();
    expect(await jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: { key: 5 }, attempts: 1 });
    expect(await bossRow(pool, schema, id)).toMatchObject({ state: 'completed', output: { result: { key: 5 } } });
    expect(await rows()).toEqual([{ key: 5, attempt: 1 }]);
    // One transaction wrote both: the job's row and pg-boss's completed row carry the same transaction id.
    const { rows: written } = await pool.query(
      `SELECT (SELECT xmin::text FROM ${effects.table} WHERE key = 5) AS effect, (SELECT xmin::text FROM ${schema}.job WHERE id = $1) AS completion`,
      [id.replace(/^asyncjob_/, '')],
    );
    expect(written[0]).toMatchObject({ effect: expect.stringMatching(/^\d+$/) as string });
    expect((written[0] as { effect: string; completion: string }).completion).toBe((written[0] as { effect: string }).effect);
  });

  it('rolls back the writes of an attempt pg-boss has given to another meanwhile: they are never committed twice', async () => {
    const { jobs } = await app();
    const held = gate();
    effects.held.set(6, held);
    const id = await jobs.start(OrderJobs, 'ship', 6);
    await until(() => effects.ran.length === 1, 'the job runs');
    await until(async () => (await bossRow(pool, schema, id))?.state === 'active', 'pg-boss records it active');
    // As pg-boss does when it counts the worker dead and hands the job to another attempt.
    await pool.query(`UPDATE ${schema}.job SET retry_count = retry_count + 1 WHERE id = $1`, [id.replace(/^asyncjob_/, '')]);
    held.open();
    await until(() => jobs.stats().running === 0, 'the attempt is over');
    expect(await rows()).toEqual([]);
    // The attempt pg-boss holds now is not this one: the row is left to it, active.
    expect(await bossRow(pool, schema, id)).toMatchObject({ state: 'active', retry_count: 1 });
  });

  it('a failing commit fails the attempt, with both the writes and the completion rolled back', async () => {
    const { jobs } = await app({}, dataSource);
    await pool.query(`ALTER TABLE ${effects.table} ADD CONSTRAINT unique_key UNIQUE (key) DEFERRABLE INITIALLY DEFERRED`);
    await pool.query(`INSERT INTO ${effects.table} (key, attempt) VALUES (8, 0)`);
    const id = await jobs.start(OrderJobs, 'ship', 8);
    expect(await jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({
      state: 'failed',
      error: { name: CommitFailedError.name },
    });
    expect(await rows()).toEqual([{ key: 8, attempt: 0 }]);
    await until(async () => (await bossRow(pool, schema, id))?.state === 'failed', 'pg-boss records it failed');
  });

  it("without a module DataSource in pg-boss's database, runs jobs with their completion after the commit, and says so", async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const elsewhere = postgresDataSource('postgres');
    await elsewhere.initialize();
    try {
      const { jobs } = await app({}, elsewhere);
      expect(warn.mock.calls.some(([message]) => String(message).includes('commit separately (at least once)'))).toBe(true);
      const id = await jobs.start(OrderJobs, 'note', 'still runs');
      expect(await jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 'still runs' });
    } finally {
      warn.mockRestore();
      await Promise.all(apps.splice(0).map((created) => created.close()));
      await elsewhere.destroy();
    }
  });

  it('runs on a TypeORM DataSource given as `dataSource`, which it leaves open', async () => {
    const { jobs, close } = await app({ dataSource });
    let id = '';
    await dataSource.transaction(async (manager) => {
      id = await jobs.startIn(manager, OrderJobs, 'ship', 9);
    });
    expect(await jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: { key: 9 } });
    expect(await rows()).toEqual([{ key: 9, attempt: 1 }]);
    await close();
    apps.splice(0);
    expect(dataSource.isInitialized).toBe(true);
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
