import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createPostgresBackend, Queue } from 'bullmq';
import { InvalidOptionError, MemoryProgressTracker, PROGRESS_TRACKER, type JobStatus } from 'nestjs-asyncjob';
import { BullMqTransport, type BullMqTransportOptions } from 'nestjs-asyncjob/bullmq';
import { PostgresProgressTracker } from 'nestjs-asyncjob/postgres';
import { DataSource } from 'typeorm';
import { FlakyJobs, JOB_PROVIDERS, ReportJobs, StepGates } from '../../fixtures/bullmq-app/jobs.js';
import { createJobApp, until, type JobApp } from '../../helpers/job-app.js';
import {
  PG_DATABASE,
  PG_HOST,
  PG_PORT,
  PG_URL,
  PG_USER,
  dropSchema,
  pg,
  requirePostgres,
  uniqueSchema,
  type TestPool,
} from '../postgres/postgres-support.js';
import { bullId, bullJob } from './bullmq-support.js';

/**
 * The BullMQ transport on BullMQ's PostgreSQL backend, on the real
 * PostgreSQL: an enqueue-only app and a worker app in the test process,
 * sharing BullMQ's schema (one per test file, dropped after it) and, for
 * statuses, the default PostgresProgressTracker beside it. No Redis.
 */
describe('BullMqTransport on PostgreSQL', () => {
  const schema = uniqueSchema('bullmq');
  let admin: TestPool;
  /** Each test has queues of its own, in the file's schema. */
  let queueName: string;
  let queueCount = 0;
  /** The test's main queue, opened beside the apps to look at what BullMQ holds. */
  let queue: Queue;
  const apps: JobApp[] = [];

  function transport(options: Partial<BullMqTransportOptions> = {}): BullMqTransport {
    return new BullMqTransport({ connection: { postgres: PG_URL, schema }, queueName, lockDuration: 5000, ...options });
  }

  async function app(options: Partial<BullMqTransportOptions> = {}, moduleOptions: { shutdownTimeout?: number } = {}): Promise<JobApp> {
    const created = await createJobApp(
      { transport: transport(options), shutdownTimeout: moduleOptions.shutdownTimeout ?? 2000 },
      { providers: JOB_PROVIDERS },
    );
    apps.push(created);
    return created;
  }

  function openQueue(name: string): Queue {
    const opened = new Queue(name, { connection: { connectionString: PG_URL, schema, migrate: true } }, createPostgresBackend);
    onTestFinished(() => opened.close());
    return opened as unknown as Queue;
  }

  async function closeApp(closed: JobApp): Promise<void> {
    await closed.close();
    apps.splice(apps.indexOf(closed), 1);
  }

  beforeAll(async () => {
    admin = await requirePostgres();
  });

  beforeEach(() => {
    queueName = `q${++queueCount}`;
    queue = openQueue(queueName);
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((created) => created.close()));
  });

  afterAll(async () => {
    if (!admin) return;
    await dropSchema(admin, schema);
    await dropSchema(admin, `${schema}_progress`);
    await admin.end();
  });

  it('runs a job started by an enqueue-only app in a worker app; progress, status and waitFor from the enqueuing app', async () => {
    const web = await app({ worker: false });
    const worker = await app({ concurrency: 2 });
    const id = await web.jobs.start(ReportJobs, 'build', 'Q3');
    expect(id).toMatch(/^asyncjob_\d+_[A-Za-z0-9_-]{22}$/);
    expect((await bullJob(queue, id))?.data).toStrictEqual({ args: ['Q3'], secret: expect.any(String) });

    await until(async () => (await web.jobs.getProgress(id))?.value === 0, 'the job reports step 0, read from the web app');
    expect(await web.jobs.getStatus(id)).toMatchObject({
      id,
      name: 'report.build',
      state: 'running',
      attempts: 1,
      progress: { value: 0, data: { step: 0, worker: 'test' } },
    });
    const gates = worker.moduleRef.get(StepGates);
    for (let step = 1; step <= 3; step++) gates.open(id, step);
    expect(await web.jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({
      state: 'completed',
      attempts: 1,
      result: { title: 'Q3', pages: 3, worker: 'test' },
      progress: { value: 3 },
    });
    expect(await web.jobs.getProgress(id)).toBeNull();
    // BullMQ's row is the record: read from the web app once BullMQ has it completed.
    await until(async () => (await queue.getJobState(bullId(id))) === 'completed', 'BullMQ records it completed');
    expect(await web.jobs.getStatus(id)).toMatchObject({ state: 'completed', result: { title: 'Q3', pages: 3, worker: 'test' } });
    const { rows } = await admin.query(`SELECT name, state FROM "${schema}".job WHERE queue = $1`, [queueName]);
    expect(rows).toStrictEqual([{ name: 'report.build', state: 'completed' }]);
  });

  it("keeps statuses in a PostgresProgressTracker beside BullMQ's schema when given no tracker, and refuses a memory one", async () => {
    const web = await app({ worker: false });
    expect(web.moduleRef.get(PROGRESS_TRACKER)).toBeInstanceOf(PostgresProgressTracker);
    await app();
    const failing = await web.jobs.start(FlakyJobs, 'run', 5);
    expect(await web.jobs.waitFor(failing, { timeout: 15_000 })).toMatchObject({ state: 'failed', attempts: 3 });
    const { rows } = await admin.query(`SELECT status FROM "${schema}_progress".job_progress WHERE id = $1`, [failing]);
    expect(JSON.parse((rows[0] as { status: string }).status)).toMatchObject({ id: failing, state: 'failed' });
    await expect(
      createJobApp({ transport: transport({ worker: false }), tracker: new MemoryProgressTracker() }, { providers: JOB_PROVIDERS }),
    ).rejects.toThrow(/tracker shared by every process/);
  });

  it('retries with our backoff: attempts show in the status, completed at the third', async () => {
    const web = await app({ worker: false });
    await app();
    const id = await web.jobs.start(FlakyJobs, 'run', 2);
    expect(await web.jobs.waitFor(id, { timeout: 15_000 })).toMatchObject({ state: 'completed', attempts: 3, result: 3 });
    await until(async () => (await queue.getJobState(bullId(id))) === 'completed', 'BullMQ records it completed');
    expect((await bullJob(queue, id))?.attemptsMade).toBe(3);
  });

  it('records failed only after the last attempt, with its error', async () => {
    const web = await app({ worker: false });
    await app();
    const id = await web.jobs.start(FlakyJobs, 'run', 5);
    const final: JobStatus = await web.jobs.waitFor(id, { timeout: 15_000 });
    expect(final).toMatchObject({ state: 'failed', attempts: 3, error: { name: 'RangeError', message: 'attempt 3 fails' } });
    await until(async () => (await queue.getJobState(bullId(id))) === 'failed', 'BullMQ records it failed');
    expect((await bullJob(queue, id))?.failedReason).toBe('attempt 3 fails');
  });

  it('cancels a job no worker has taken: removed from BullMQ, recorded cancelled, never run', async () => {
    const web = await app({ worker: false });
    const id = await web.jobs.start(FlakyJobs, 'echo', 'never');
    expect(await web.jobs.getStatus(id)).toMatchObject({ id, name: 'echo', state: 'queued', attempts: 0 });
    expect(await web.jobs.cancel(id)).toBe(true);
    expect(await bullJob(queue, id)).toBeUndefined();
    expect(await web.jobs.getStatus(id)).toMatchObject({ state: 'cancelled', error: { name: 'JobCancelledError' } });
    expect(await web.jobs.cancel(id)).toBe(false);
    // A worker started afterwards finds nothing to run.
    await app();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await queue.getJobCounts('completed', 'failed')).toStrictEqual({ completed: 0, failed: 0 });
  });

  it('cancels a job running in another app over LISTEN/NOTIFY: its signal aborts, it is recorded cancelled and BullMQ does not retry it', async () => {
    const web = await app({ worker: false });
    await app();
    const id = await web.jobs.startWith({ attempts: 3 }, ReportJobs, 'build', 'stop me');
    await until(async () => (await web.jobs.getStatus(id))?.state === 'running', 'the job runs on the worker');
    expect(await web.jobs.cancel(id)).toBe(true);
    expect(await web.jobs.getStatus(id)).toMatchObject({ state: 'cancelled', attempts: 1 });
    await until(async () => (await queue.getJobState(bullId(id))) === 'failed', 'BullMQ gives it up');
    expect((await bullJob(queue, id))?.attemptsMade).toBeLessThanOrEqual(1);
  });

  it('takes delay, priority and a caller-chosen jobId: a second start with the same jobId is the same job', async () => {
    const web = await app({ worker: false });
    const delayed = await web.jobs.startWith({ delay: 60_000 }, FlakyJobs, 'echo', 'later');
    const urgent = await web.jobs.startWith({ priority: 1 }, FlakyJobs, 'echo', 'now');
    const first = await web.jobs.startWith({ jobId: 'order-42' }, FlakyJobs, 'echo', 1);
    const again = await web.jobs.startWith({ jobId: 'order-42' }, FlakyJobs, 'echo', 2);
    expect([first, again]).toStrictEqual(['order-42', 'order-42']);
    expect(await queue.getJobState(bullId(delayed))).toBe('delayed');
    expect(await queue.getJobState(bullId(urgent))).toBe('prioritized');
    expect((await queue.getJob('order-42'))?.data).toMatchObject({ args: [1] });
    expect(await queue.count()).toBe(3);

    await app();
    expect(await web.jobs.waitFor('order-42', { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 1 });
    expect(await web.jobs.waitFor(urgent, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 'now' });
    expect(await queue.getJobState(bullId(delayed))).toBe('delayed');
  });

  it('gives a job name listed in `jobs` a queue of its own', async () => {
    const own = openQueue(`${queueName}.echo`);
    const web = await app({ worker: false, jobs: { echo: { concurrency: 1 } } });
    await app({ jobs: { echo: { concurrency: 1 } } });
    const id = await web.jobs.start(FlakyJobs, 'echo', 'own');
    expect((await bullJob(own, id))?.name).toBe('echo');
    expect(await web.jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 'own' });
  });

  it('at shutdown waits for a running job that finishes within the grace period', async () => {
    const worker = await app({}, { shutdownTimeout: 5000 });
    const id = await worker.jobs.start(ReportJobs, 'build', 'drained');
    await until(async () => (await worker.jobs.getProgress(id))?.value === 0, 'the job runs');
    const closing = worker.close();
    const gates = worker.moduleRef.get(StepGates);
    for (let step = 1; step <= 3; step++) gates.open(id, step);
    await closing;
    apps.splice(apps.indexOf(worker), 1);
    await until(async () => (await queue.getJobState(bullId(id))) === 'completed', 'BullMQ records it completed');
    expect((await bullJob(queue, id))?.returnvalue).toStrictEqual({ title: 'drained', pages: 3, worker: 'test' });
  });

  it('at shutdown hands a job that outlives the grace period back to the queue, where the next worker runs it', async () => {
    const first = await app({}, { shutdownTimeout: 100 });
    const id = await first.jobs.start(ReportJobs, 'build', 'handed back');
    await until(async () => (await first.jobs.getProgress(id))?.value === 0, 'the job runs on the first worker');
    await closeApp(first);
    expect(await queue.getJobState(bullId(id))).toBe('waiting');

    const second = await app();
    await until(async () => (await second.jobs.getStatus(id))?.state === 'running', 'the next worker takes it');
    const gates = second.moduleRef.get(StepGates);
    for (let step = 1; step <= 3; step++) gates.open(id, step);
    expect(await second.jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({ state: 'completed', attempts: 2 });
  });

  it("adds a job started after commit only once the caller's transaction commits, and never after a rollback", async () => {
    const dataSource = new DataSource({
      type: 'postgres',
      host: PG_HOST,
      port: PG_PORT,
      username: PG_USER,
      database: PG_DATABASE,
      poolSize: 2,
    });
    await dataSource.initialize();
    onTestFinished(() => dataSource.destroy());
    const { jobs } = await app();
    let committed = '';
    await dataSource.transaction(async (manager) => {
      committed = await jobs.startAfterCommit(manager, FlakyJobs, 'echo', 'after commit');
      expect(await bullJob(queue, committed)).toBeUndefined();
    });
    expect(await jobs.waitFor(committed, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 'after commit' });

    let rolledBack = '';
    await expect(
      dataSource.transaction(async (manager) => {
        rolledBack = await jobs.startAfterCommit(manager, FlakyJobs, 'echo', 'never');
        throw new Error('the order was refused');
      }),
    ).rejects.toThrow('the order was refused');
    expect(await jobs.waitFor(rolledBack, { timeout: 10_000 })).toMatchObject({ state: 'cancelled' });
    expect(await bullJob(queue, rolledBack)).toBeUndefined();
  });

  it('runs beside an existing pg.Pool: BullMQ connects with its settings, the default tracker runs on it, and it is left open', async () => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 4, connectionTimeoutMillis: 5000 });
    onTestFinished(() => pool.end());
    const web = await app({ worker: false, connection: { postgres: pool, schema } });
    await app({ connection: { postgres: pool, schema } });
    const id = await web.jobs.start(FlakyJobs, 'echo', 'pooled');
    expect(await web.jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 'pooled' });
    // In the schema given, not in BullMQ's default one, though a pg.Pool alone would have pinned BullMQ to "bullmq".
    expect(await bullJob(queue, id)).toBeDefined();
    await Promise.all(apps.splice(0).map((created) => created.close()));
    expect((await pool.query('SELECT 1 AS one')).rows).toStrictEqual([{ one: 1 }]);
  });

  it('closes every connection it opened: none of its connections is left on the server', async () => {
    const names = ['asyncjob:bullmq', 'asyncjob:bullmq-cancel', queueName, `${queueName}:qe`];
    const open = async (): Promise<number> => {
      const { rows } = await admin.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = ANY($2::text[])',
        [PG_DATABASE, names],
      );
      return (rows[0] as { n: number }).n;
    };
    const web = await app({ worker: false });
    const worker = await app();
    const id = await web.jobs.start(ReportJobs, 'build', 'followed');
    await until(async () => (await web.jobs.getProgress(id))?.value === 0, 'the job runs');
    const gates = worker.moduleRef.get(StepGates);
    for (let step = 1; step <= 3; step++) gates.open(id, step);
    await web.jobs.waitFor(id, { timeout: 10_000 });
    expect(await open()).toBeGreaterThan(0);
    await Promise.all(apps.splice(0).map((created) => created.close()));
    await until(async () => (await open()) === 0, 'every connection of the transports is closed');
  });

  it('with migrate: false, fails bootstrap with an InvalidOptionError on a schema BullMQ never migrated', async () => {
    const fresh = uniqueSchema('bullmq_nomig');
    // The default tracker, built before the transport checks BullMQ's schema, has made its own beside it.
    onTestFinished(() => Promise.all([dropSchema(admin, fresh), dropSchema(admin, `${fresh}_progress`)]).then(() => undefined));
    const building = createJobApp(
      { transport: transport({ worker: false, connection: { postgres: PG_URL, schema: fresh, migrate: false } }) },
      { providers: JOB_PROVIDERS },
    );
    await expect(building).rejects.toThrow(InvalidOptionError);
    await expect(
      createJobApp(
        { transport: transport({ worker: false, connection: { postgres: PG_URL, schema: fresh, migrate: false } }) },
        { providers: JOB_PROVIDERS },
      ),
    ).rejects.toThrow(/BullMqTransport\.connection\.migrate.*runMigrations/s);
  });

  it('refuses options the PostgreSQL backend cannot take with an InvalidOptionError naming them', () => {
    const bad: Array<[Partial<BullMqTransportOptions>, RegExp]> = [
      [{ connection: { postgres: PG_URL }, prefix: 'bull' }, /BullMqTransport\.prefix.*no prefix with a PostgreSQL connection/],
      [{ connection: { postgres: 'redis://localhost' } }, /BullMqTransport\.connection\.postgres/],
      [{ connection: { postgres: 42 as never } }, /BullMqTransport\.connection\.postgres/],
      [{ connection: { postgres: PG_URL, schema: 'Bad-Schema' } }, /BullMqTransport\.connection\.schema/],
      [{ connection: { postgres: PG_URL, schema: 'x'.repeat(40) } }, /BullMqTransport\.connection\.schema/],
      [{ connection: { postgres: PG_URL, migrate: 'yes' as never } }, /BullMqTransport\.connection\.migrate/],
      [
        { connection: { postgres: { query: () => undefined, connect: () => undefined } as never } },
        /BullMqTransport\.connection\.postgres.*pool\.options/,
      ],
    ];
    for (const [options, message] of bad) {
      expect(() => new BullMqTransport(options as BullMqTransportOptions)).toThrow(InvalidOptionError);
      expect(() => new BullMqTransport(options as BullMqTransportOptions)).toThrow(message);
    }
    const fine = new BullMqTransport({ connection: { postgres: { host: PG_HOST, database: PG_DATABASE } } });
    expect([fine.schema, fine.prefix]).toStrictEqual(['bullmq', undefined]);
  });
});
