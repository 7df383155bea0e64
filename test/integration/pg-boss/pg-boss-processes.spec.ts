import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { JobProgress, JobStatus } from 'nestjs-asyncjob';
import type { ProcessDescription } from '../../fixtures/bullmq-app/protocol.js';
import { until } from '../../helpers/job-app.js';
import { PostgresCluster } from '../../helpers/postgres-cluster.js';
import { QueueChild, RowsTable, uniqueQueue } from '../bullmq/bullmq-support.js';
import { REDIS_DB, REDIS_PORT, deletePrefix, requireRedis } from '../redis/redis-support.js';
import { bossRow, dropSchema, requirePostgres, uniqueSchema, type TestPool } from './pg-boss-support.js';

/** What a worker writes in the progress of a job it runs: its name. */
type WorkerData = { readonly worker: string };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The processes of one describe: started with a common environment, closed (or found killed) at its end. */
class Processes {
  readonly all: QueueChild[] = [];

  constructor(private readonly env: Record<string, string>) {}

  /** A pg-boss fixture process (test/fixtures/pg-boss-app) named `name`. */
  async start(name: string, env: Record<string, string> = {}): Promise<QueueChild> {
    const child = await QueueChild.start(name, { ...this.env, ...env }, 'pg-boss-app');
    this.all.push(child);
    return child;
  }

  named(name: string): QueueChild {
    const found = this.all.filter((child) => child.name === name && child.exitSignal === null).at(-1);
    if (!found) throw new Error(`no live process named ${name}`);
    return found;
  }

  /** Closes every process still alive; each must exit by itself with code 0 (the killed ones exited by signal). */
  async close(): Promise<void> {
    const codes = await Promise.all(this.all.splice(0).map((child) => child.close()));
    expect(codes.filter((code) => code !== null)).toStrictEqual(codes.filter((code) => code !== null).map(() => 0));
  }
}

/** pg-boss's rows of these jobs (our ids), counted by state, and how many were run again after a run cut short. */
async function bossStates(
  pool: TestPool,
  schema: string,
  ids: readonly string[],
): Promise<{ states: Record<string, number>; rerun: number }> {
  const uuids = ids.map((id) => id.replace(/^asyncjob_/, ''));
  const { rows } = await pool.query(
    `SELECT state, count(*)::int AS n, count(*) FILTER (WHERE retry_count > 0)::int AS rerun FROM ${schema}.job WHERE id = ANY($1::uuid[]) GROUP BY state`,
    [uuids],
  );
  const counted = rows as Array<{ state: string; n: number; rerun: number }>;
  return {
    states: Object.fromEntries(counted.map((row) => [row.state, row.n])),
    rerun: counted.reduce((sum, row) => sum + row.rerun, 0),
  };
}

/** How many of the jobs counted by state have ended (completed, failed or cancelled). */
function finished(states: Record<string, number>): number {
  return (states.completed ?? 0) + (states.failed ?? 0) + (states.cancelled ?? 0);
}

/** The statuses of these jobs read from `reader`, counted by state. */
async function statesReadBy(reader: QueueChild, ids: readonly string[]): Promise<Record<string, number>> {
  const statuses = (await Promise.all(ids.map((id) => reader.request('getStatus', { id })))) as Array<JobStatus | null>;
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[status?.state ?? 'unknown'] = (counts[status?.state ?? 'unknown'] ?? 0) + 1;
  return counts;
}

/** `count` row jobs of keys `from`… started by `web`, inserting into `table` and pausing `pauseMs` each. */
async function startRows(web: QueueChild, from: number, count: number, table: RowsTable, pauseMs = 0): Promise<string[]> {
  return (await web.request('startRows', { from, count, options: { table: table.name, ...(pauseMs ? { pauseMs } : {}) } })) as string[];
}

/**
 * pg-boss mode in real processes, PostgreSQL only: worker processes and an
 * enqueue-only one (test/fixtures/pg-boss-app), each a Nest app whose TypeORM
 * DataSource is both the module's `dataSource` and pg-boss's connection,
 * with the default tracker (PostgreSQL, beside pg-boss). The test process
 * only drives them over IPC and reads the tables.
 */
describe('pg-boss mode across processes', () => {
  const schema = uniqueSchema('procs');
  let pool: TestPool;
  let table: RowsTable;
  const tables: RowsTable[] = [];
  let processes: Processes;
  let web: QueueChild;
  const workerNames = ['w1', 'w2', 'w3'];

  beforeAll(async () => {
    pool = await requirePostgres();
    table = await RowsTable.create(false);
    // A small heartbeat, so that runs cut short by a SIGKILL are found within seconds; kills never use up a job.
    processes = new Processes({ PG_SCHEMA: schema, ROWS_TABLE: table.name, CONCURRENCY: '2', HEARTBEAT: '10', MAX_STALLED_COUNT: '1000' });
    // The first start creates pg-boss's schema; the others then find it.
    web = await processes.start('a', { ROLE: 'enqueue' });
    await Promise.all(workerNames.map((name) => processes.start(name, { ROLE: 'worker' })));
  }, 120_000);

  afterAll(async () => {
    try {
      await processes?.close();
    } finally {
      await Promise.all([table, ...tables].map((each) => each?.drop()));
      await dropSchema(pool, schema);
      await dropSchema(pool, `${schema}_progress`);
      await pool?.end();
    }
  }, 60_000);

  it('runs 1 000 jobs from the enqueue-only process on three workers: each committed its row exactly once, every worker ran some', async () => {
    const ids = await startRows(web, 0, 1000, table, 2);
    await until(async () => finished((await bossStates(pool, schema, ids)).states) === 1000, 'pg-boss records all 1 000 ended', 90_000);
    expect((await bossStates(pool, schema, ids)).states).toStrictEqual({ completed: 1000 });
    expect(await statesReadBy(web, ids)).toStrictEqual({ completed: 1000 });
    expect(await table.counts()).toStrictEqual({ rows: 1000, keys: 1000 });
    expect(await table.keyRange()).toStrictEqual({ min: 0, max: 999 });
    const perWorker = await table.byWorker();
    expect(Object.keys(perWorker).sort()).toStrictEqual(workerNames);
    expect(Object.values(perWorker).every((count) => count > 0)).toBe(true);
  }, 120_000);

  it('uses no Redis anywhere: every process has the default PostgreSQL tracker and has loaded neither ioredis nor bullmq', async () => {
    const descriptions = (await Promise.all(processes.all.map((child) => child.request('describe', {})))) as ProcessDescription[];
    expect(descriptions).toStrictEqual(
      processes.all.map(() => ({ tracker: 'PostgresProgressTracker', ioredisLoaded: false, bullmqLoaded: false })),
    );
  });

  it('shows a job running in worker B to process A: getProgress, getStatus, progress$ and waitFor, over PostgreSQL only', async () => {
    const id = (await web.request('startReport', { title: 'Q3 sales' })) as string;
    const stream = await web.stream(id);
    const finished = web.request('waitFor', { id, timeout: 30_000 }) as Promise<JobStatus>;

    await until(
      async () => ((await web.request('getProgress', { id })) as JobProgress | null)?.value === 0,
      'A sees the job start',
      20_000,
    );
    const { worker } = ((await web.request('getProgress', { id })) as JobProgress).data as WorkerData;
    const b = processes.named(worker);
    expect(workerNames).toContain(worker);
    expect(await web.request('getStatus', { id })).toMatchObject({ id, name: 'report.build', state: 'running', attempts: 1 });
    expect(await b.request('getStatus', { id })).toMatchObject({ state: 'running' });

    for (let step = 1; step <= 3; step++) {
      await b.request('open', { id, step });
      await web.until(() => stream.values.some((progress) => progress.value === step), `A streams step ${step}`);
      if (step < 3) expect(await web.request('getProgress', { id })).toStrictEqual({ value: step, data: { step, title: 'Q3 sales' } });
    }
    expect(await finished).toMatchObject({ state: 'completed', attempts: 1, result: { title: 'Q3 sales', pages: 3, worker } });
    await web.until(() => stream.completed, 'the stream completes');
    expect(stream.error).toBeUndefined();
    expect(await web.request('getProgress', { id })).toBeNull();
    expect((await bossRow(pool, schema, id))?.state).toBe('completed');
  }, 60_000);

  it("cancels from A a job running in B: B's signal aborts, its transaction rolls back (no row), it is recorded cancelled", async () => {
    const [id] = (await web.request('startRows', { from: 5000, count: 1, options: { blockFirstAttempt: true } })) as string[];
    // Progress 1 is reported once the job's INSERT has run, inside its still open transaction.
    await until(
      async () => ((await web.request('getProgress', { id: id! })) as JobProgress | null)?.value === 1,
      'the job has inserted',
      20_000,
    );
    const { worker } = ((await web.request('getProgress', { id: id! })) as JobProgress).data as WorkerData;
    const b = processes.named(worker);
    expect(await b.request('aborted', {})).not.toContain(id);

    expect(await web.request('cancel', { id: id! })).toBe(true);
    expect(await web.request('getStatus', { id: id! })).toMatchObject({ state: 'cancelled', error: { name: 'JobCancelledError' } });
    expect(await b.request('aborted', {})).toContain(id);
    await until(async () => ((await b.request('stats', {})) as { running: number }).running === 0, 'B has ended the attempt');
    expect(await table.rowsOf(5000)).toStrictEqual([]);
    await until(async () => (await bossRow(pool, schema, id!))?.state === 'cancelled', 'pg-boss records it cancelled');
    expect(await web.request('getProgress', { id: id! })).toBeNull();
  }, 60_000);

  it('exactly once under SIGKILL: workers killed at random moments while 1 000 jobs with no idempotency run; every key committed once', async () => {
    // No unique key and a plain INSERT: a job whose writes committed twice would leave two rows of its key.
    const effects = await RowsTable.create(false);
    tables.push(effects);
    const started = startRows(web, 0, 1000, effects, 5);
    // While they are enqueued and run, kill a worker every 1 to 2 s (eight times, unless every row is in before),
    // at whatever point its jobs are (fetched, mid-job, committing, just committed), and start it again at once;
    // the jobs cut short are then run again once their heartbeat is stale (within about two heartbeats).
    const restarts: Promise<QueueChild>[] = [];
    for (let kill = 0; kill < 8 && (await effects.counts()).rows < 1000; kill++) {
      await sleep(1000 + Math.random() * 1000);
      const live = workerNames.filter((name) => processes.all.some((child) => child.name === name && child.exitSignal === null));
      const victim = live[Math.floor(Math.random() * live.length)];
      if (!victim) continue;
      await processes.named(victim).kill();
      restarts.push(processes.start(victim, { ROLE: 'worker' }));
    }
    await Promise.all(restarts);
    const ids = await started;
    await until(async () => finished((await bossStates(pool, schema, ids)).states) === 1000, 'pg-boss records all 1 000 ended', 90_000);

    const { states, rerun } = await bossStates(pool, schema, ids);
    expect(states).toStrictEqual({ completed: 1000 });
    // The kills did cut runs short: those jobs were run again.
    expect(rerun).toBeGreaterThan(0);
    expect(await effects.keysTwice()).toStrictEqual([]);
    expect(await effects.counts()).toStrictEqual({ rows: 1000, keys: 1000 });
    expect(await effects.keyRange()).toStrictEqual({ min: 0, max: 999 });
    expect(await statesReadBy(web, ids)).toStrictEqual({ completed: 1000 });
  }, 150_000);
});

/**
 * The deterministic kill point (test/fixtures/shared/kill-after-commit.ts):
 * a worker SIGKILLs itself right after the COMMIT of the job that wrote the
 * row of key 7, before its transport records anything else. The same job,
 * with no idempotency, in pg-boss mode and, for contrast, in BullMQ mode.
 */
describe('a worker SIGKILLed right after its job commits', () => {
  const KEY = 7;
  let pool: TestPool;
  const tables: RowsTable[] = [];
  let processes: Processes | undefined;

  beforeAll(async () => {
    pool = await requirePostgres();
  });

  afterEach(async () => {
    try {
      await processes?.close();
    } finally {
      processes = undefined;
      await Promise.all(tables.splice(0).map((each) => each.drop()));
    }
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
  });

  it('pg-boss mode: the row is committed once and the job is completed with it, so it is never run again', async () => {
    const schema = uniqueSchema('kill');
    const effects = await RowsTable.create(false);
    tables.push(effects);
    try {
      processes = new Processes({ PG_SCHEMA: schema, ROWS_TABLE: effects.name, HEARTBEAT: '10', MAX_STALLED_COUNT: '5' });
      const web = await processes.start('a', { ROLE: 'enqueue' });
      const k = await processes.start('k', { ROLE: 'worker', CONCURRENCY: '2', KILL_AFTER_COMMIT_KEY: String(KEY) });
      // The job of key 7 runs first and is held after its INSERT; then one of key 6 starts, inserts, and blocks.
      const [held] = (await web.request('startRows', { from: KEY, count: 1, options: { holdFirstAttempt: true } })) as string[];
      const progressOf = async (id: string) => ((await web.request('getProgress', { id })) as JobProgress | null)?.value;
      await until(async () => (await progressOf(held!)) === 1, 'the job of key 7 has inserted its row', 20_000);
      const [blocked] = (await web.request('startRows', { from: KEY - 1, count: 1, options: { blockFirstAttempt: true } })) as string[];
      await until(async () => (await progressOf(blocked!)) === 1, 'the job of key 6 has inserted its row', 20_000);

      // Let the job of key 7 finish: its transaction commits, and the worker kills itself at once.
      await k.request('open', { id: held!, step: 1 }).catch(() => undefined);
      await k.exited;
      expect(k.exitSignal).toBe('SIGKILL');
      // Its completion committed with its row, in that very transaction: pg-boss holds it completed, not active.
      expect(await bossRow(pool, schema, held!)).toMatchObject({ state: 'completed', retry_count: 0 });
      expect(await effects.rowsOf(KEY)).toStrictEqual([{ worker: 'k', attempt: 1 }]);

      // Another worker. The job of key 6, cut short by the kill, is found by its stale heartbeat and run again;
      // the job of key 7, fetched before it, would have been found by that same sweep had it been left active.
      await processes.start('c', { ROLE: 'worker' });
      expect(await web.request('waitFor', { id: blocked!, timeout: 60_000 })).toMatchObject({
        state: 'completed',
        attempts: 2,
        result: { key: KEY - 1, worker: 'c' },
      });
      expect(await effects.rowsOf(KEY - 1)).toStrictEqual([{ worker: 'c', attempt: 2 }]);
      expect(await bossRow(pool, schema, held!)).toMatchObject({ state: 'completed', retry_count: 0 });
      expect(await effects.rowsOf(KEY)).toStrictEqual([{ worker: 'k', attempt: 1 }]);
      expect(await web.request('getStatus', { id: held! })).toMatchObject({
        state: 'completed',
        attempts: 1,
        result: { key: KEY, worker: 'k' },
      });
    } finally {
      const closing = processes?.close();
      processes = undefined;
      await closing?.finally(async () => {
        await dropSchema(pool, schema);
        await dropSchema(pool, `${schema}_progress`);
      });
    }
  }, 120_000);

  it('BullMQ mode, for contrast: the job is run again and its row is committed twice (at least once)', async () => {
    const redis = await requireRedis();
    const { prefix, queueName } = uniqueQueue('kill');
    const effects = await RowsTable.create(false);
    tables.push(effects);
    const env = { REDIS_PORT: String(REDIS_PORT), REDIS_DB: String(REDIS_DB), QUEUE_NAME: queueName, BULL_PREFIX: prefix };
    const worker = { ...env, ROLE: 'worker', ROWS_TABLE: effects.name, CONCURRENCY: '2', LOCK_DURATION: '2000', STALLED_INTERVAL: '1000' };
    const bull: QueueChild[] = [];
    try {
      bull.push(await QueueChild.start('a', { ...env, ROLE: 'enqueue' }));
      const web = bull[0]!;
      const k = await QueueChild.start('k', { ...worker, KILL_AFTER_COMMIT_KEY: String(KEY) });
      bull.push(k);
      const [id] = (await web.request('startRows', { from: KEY, count: 1, options: {} })) as string[];
      await k.exited;
      expect(k.exitSignal).toBe('SIGKILL');
      expect(await effects.rowsOf(KEY)).toStrictEqual([{ worker: 'k', attempt: 1 }]);

      // BullMQ still holds the job active: its lock expires, another worker finds it stalled and runs it again.
      bull.push(await QueueChild.start('c', worker));
      expect(await web.request('waitFor', { id: id!, timeout: 60_000 })).toMatchObject({ state: 'completed', attempts: 2 });
      expect(await effects.rowsOf(KEY)).toStrictEqual([
        { worker: 'k', attempt: 1 },
        { worker: 'c', attempt: 2 },
      ]);
    } finally {
      await Promise.all(bull.map((child) => child.close()));
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  }, 120_000);
});

/**
 * PostgreSQL restarted under running jobs: a private cluster
 * (test/helpers/postgres-cluster.ts), stopped in immediate mode (every
 * connection drops, as in a crash) and started again on the same port.
 */
describe('pg-boss mode through a PostgreSQL restart', () => {
  let cluster: PostgresCluster;
  let inspector: TestPool;
  let table: RowsTable;
  let processes: Processes;
  let web: QueueChild;
  const schema = uniqueSchema('restart');

  beforeAll(async () => {
    cluster = await PostgresCluster.start();
    inspector = await requirePostgres(cluster.url);
    table = await RowsTable.create(false, cluster.url);
    processes = new Processes({ PG_URL: cluster.url, PG_SCHEMA: schema, ROWS_TABLE: table.name, HEARTBEAT: '10', MAX_STALLED_COUNT: '10' });
    web = await processes.start('a', { ROLE: 'enqueue' });
    await Promise.all(['b1', 'b2'].map((name) => processes.start(name, { ROLE: 'worker', CONCURRENCY: '3' })));
  }, 120_000);

  afterAll(async () => {
    try {
      await processes?.close();
    } finally {
      // The private cluster goes whatever happened before: a failed test must not leave a server running.
      await table?.drop().catch(() => undefined);
      await inspector?.end();
      await cluster?.destroy();
    }
  }, 60_000);

  /** Whether process `name` has a connection listening on a channel of ours that ends with `suffix` (its last statement). */
  /** Whether process `name` has its LISTEN connection open: idle after the LISTENs it sends (on reconnecting, one per channel it follows). */
  async function listening(name: string): Promise<boolean> {
    const { rows } = await inspector.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN "%'`, [name]);
    return rows.length > 0;
  }

  it('workers reconnect and finish every job (each row once); start while it is down rejects at once with a typed error; cancel and waitFor work again', async () => {
    // A job A follows from before the outage (A listens for changes), and 300 row jobs with no idempotency.
    const report = (await web.request('startReport', { title: 'through the outage' })) as string;
    await until(
      async () => ((await web.request('getProgress', { id: report })) as JobProgress | null)?.value === 0,
      'the report runs',
      20_000,
    );
    const { worker } = ((await web.request('getProgress', { id: report })) as JobProgress).data as WorkerData;
    const b = processes.named(worker);
    const followed = web.request('waitFor', { id: report, timeout: 120_000 }) as Promise<JobStatus>;
    // Should the test fail on the way, the report still ends and A's waitFor with it: a pending waitFor's timer
    // would keep A alive after its app is closed.
    onTestFinished(async () => {
      for (let step = 1; step <= 3; step++) await b.request('open', { id: report, step }).catch(() => undefined);
      await followed.catch(() => undefined);
    });
    await until(() => listening('a'), 'A listens for job changes');
    const ids = await startRows(web, 0, 300, table, 20);
    await until(async () => (await table.counts()).rows >= 30, 'some jobs are done', 30_000);

    await cluster.stop();
    // Refused while PostgreSQL is down, before it comes back: nothing waits for it.
    const refused = await web.request('startRows', { from: 1000, count: 1, options: {} }).catch((error: unknown) => error);
    await sleep(1000);
    await cluster.start();
    expect(refused).toMatchObject({ name: 'TransportUnavailableError' });

    const ended = async () => finished((await bossStates(inspector, schema, ids)).states);
    await until(async () => (await ended().catch(() => 0)) === 300, 'pg-boss records all 300 ended', 90_000);
    expect((await bossStates(inspector, schema, ids)).states).toStrictEqual({ completed: 300 });
    expect(await table.keysTwice()).toStrictEqual([]);
    expect(await table.counts()).toStrictEqual({ rows: 300, keys: 300 });
    expect(await statesReadBy(web, ids)).toStrictEqual({ completed: 300 });
    const byWorker = await table.byWorker();
    expect(Object.keys(byWorker).sort()).toStrictEqual(['b1', 'b2']);

    // Every LISTEN connection is open again: A's for job changes, each worker's for cancel requests, changes and new jobs.
    await until(async () => (await listening('a')) && (await listening('b1')) && (await listening('b2')), 'LISTEN again', 20_000);
    for (let step = 1; step <= 3; step++) await b.request('open', { id: report, step });
    expect(await followed).toMatchObject({ state: 'completed', result: { title: 'through the outage', pages: 3, worker } });

    const [blocked] = (await web.request('startRows', { from: 2000, count: 1, options: { blockFirstAttempt: true } })) as string[];
    await until(
      async () => ((await web.request('getProgress', { id: blocked! })) as JobProgress | null)?.value === 1,
      'the job has inserted',
      20_000,
    );
    const { worker: runner } = ((await web.request('getProgress', { id: blocked! })) as JobProgress).data as WorkerData;
    expect(await web.request('cancel', { id: blocked! })).toBe(true);
    expect(await processes.named(runner).request('aborted', {})).toContain(blocked);
    expect(await web.request('getStatus', { id: blocked! })).toMatchObject({ state: 'cancelled' });
    expect(await table.rowsOf(2000)).toStrictEqual([]);
  }, 180_000);
});
