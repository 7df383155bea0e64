import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { InvalidOptionError, MemoryProgressTracker, PROGRESS_TRACKER, ShuttingDownError, type JobStatus } from 'nestjs-asyncjob';
import { PostgresProgressTracker } from 'nestjs-asyncjob/postgres';
import { PgBossTransport, type PgBossTransportOptions } from 'nestjs-asyncjob/pg-boss';
import { RedisProgressTracker } from 'nestjs-asyncjob/redis';
import type { Redis } from 'ioredis';
import { FlakyJobs, JOB_PROVIDERS, ReportJobs, StepGates } from '../../fixtures/bullmq-app/jobs.js';
import { createJobApp, until, type JobApp } from '../../helpers/job-app.js';
import { REDIS_DB, REDIS_HOST, REDIS_PORT, deletePrefix, requireRedis, uniquePrefix } from '../redis/redis-support.js';
import { PG_URL, bossRow, dropSchema, openPool, requirePostgres, uniqueSchema, type TestPool } from './pg-boss-support.js';

/**
 * The pg-boss transport on the real PostgreSQL: an enqueue-only app and a
 * worker app in the test process, sharing pg-boss's schema and, for
 * statuses, a Redis tracker (the PostgreSQL tracker is not there yet).
 */
describe('PgBossTransport', () => {
  let pool: TestPool;
  let redis: Redis;
  let schema: string;
  let keyPrefix: string;
  const apps: JobApp[] = [];
  const trackers: RedisProgressTracker[] = [];

  async function app(options: Partial<PgBossTransportOptions> = {}): Promise<JobApp> {
    const transport = new PgBossTransport({ connection: PG_URL, schema, pollingInterval: 0.5, ...options });
    const tracker = new RedisProgressTracker({ host: REDIS_HOST, port: REDIS_PORT, db: REDIS_DB, keyPrefix, flushInterval: 10 });
    trackers.push(tracker);
    const created = await createJobApp({ transport, tracker, shutdownTimeout: 2000 }, { providers: JOB_PROVIDERS });
    apps.push(created);
    return created;
  }

  beforeAll(async () => {
    pool = await requirePostgres();
    redis = await requireRedis();
  });

  beforeEach(() => {
    schema = uniqueSchema('t');
    keyPrefix = uniquePrefix('pgboss');
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((created) => created.close()));
    await Promise.all(trackers.splice(0).map((tracker) => tracker.close()));
    await dropSchema(pool, schema);
    await deletePrefix(redis, keyPrefix);
  });

  afterAll(async () => {
    await pool?.end();
    redis?.disconnect();
  });

  it('runs a job started by an enqueue-only app in a worker app; progress, status and waitFor from the enqueuing app', async () => {
    const web = await app({ worker: false });
    const worker = await app({ concurrency: 2 });
    const id = await web.jobs.start(ReportJobs, 'build', 'Q3');
    expect(id).toMatch(/^asyncjob_[0-9a-f-]{36}$/);
    expect(await web.jobs.getProgress(id)).not.toBeNull();
    expect((await bossRow(pool, schema, id))?.data).toStrictEqual({ job: 'report.build', args: ['Q3'] });

    await until(async () => (await web.jobs.getProgress(id))?.value === 0, 'the job reports step 0, read from the web app', 15_000);
    expect(await web.jobs.getStatus(id)).toMatchObject({
      id,
      name: 'report.build',
      state: 'running',
      attempts: 1,
      progress: { value: 0, data: { step: 0, worker: 'test' } },
    });
    const gates = worker.moduleRef.get(StepGates);
    for (let step = 1; step <= 3; step++) gates.open(id, step);
    const final = await web.jobs.waitFor(id, { timeout: 10_000 });
    expect(final).toMatchObject({
      state: 'completed',
      attempts: 1,
      result: { title: 'Q3', pages: 3, worker: 'test' },
      progress: { value: 3 },
    });
    expect(await web.jobs.getProgress(id)).toBeNull();
    expect((await bossRow(pool, schema, id))?.state).toBe('completed');
  });

  it('retries a failing job with its attempts, then records it completed with the attempt that succeeded', async () => {
    const web = await app({ worker: false });
    await app();
    const id = await web.jobs.start(FlakyJobs, 'run', 2);
    const final = await web.jobs.waitFor(id, { timeout: 20_000 });
    expect(final).toMatchObject({ state: 'completed', attempts: 3, result: 3 });
    expect(await bossRow(pool, schema, id)).toMatchObject({ state: 'completed', retry_count: 2 });
  });

  it('records a job that fails every attempt as failed, with its error', async () => {
    const web = await app({ worker: false });
    await app();
    const id = await web.jobs.start(FlakyJobs, 'run', 5);
    expect(await web.jobs.waitFor(id, { timeout: 20_000 })).toMatchObject({ state: 'failed' });
    expect(await web.jobs.getStatus(id)).toMatchObject({ state: 'failed', attempts: 3, error: { message: 'attempt 3 fails' } });
    // The tracker's record comes first, then pg-boss's.
    await until(async () => (await bossRow(pool, schema, id))?.state === 'failed', 'pg-boss records it failed');
    expect((await bossRow(pool, schema, id))?.output).toMatchObject({ name: 'RangeError', message: 'attempt 3 fails' });
  });

  it('cancels a queued job: removed from pg-boss, recorded cancelled', async () => {
    const web = await app({ worker: false });
    const id = await web.jobs.start(FlakyJobs, 'echo', 'never');
    expect(await web.jobs.getStatus(id)).toMatchObject({ id, name: 'echo', state: 'queued', attempts: 0 });
    expect(await web.jobs.cancel(id)).toBe(true);
    expect((await web.jobs.getStatus(id))?.state).toBe('cancelled');
    expect((await bossRow(pool, schema, id))?.state).toBe('cancelled');
    // A worker started afterwards does not run it.
    await app();
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await bossRow(pool, schema, id))?.state).toBe('cancelled');
  });

  it('cancels a job running in another app through a NOTIFY to its worker', async () => {
    const web = await app({ worker: false });
    await app();
    const id = await web.jobs.start(ReportJobs, 'build', 'stop me');
    await until(async () => (await web.jobs.getStatus(id))?.state === 'running', 'the job runs on the worker', 15_000);
    expect(await web.jobs.cancel(id)).toBe(true);
    expect((await web.jobs.getStatus(id))?.state).toBe('cancelled');
    await until(async () => (await bossRow(pool, schema, id))?.state === 'cancelled', 'pg-boss records it cancelled');
  });

  it('at shutdown, hands a job still running after shutdownTimeout back to the queue, without using an attempt: another worker runs it', async () => {
    const web = await app({ worker: false });
    const leaving = await app();
    const id = await web.jobs.start(ReportJobs, 'build', 'handed back');
    await until(async () => (await web.jobs.getStatus(id))?.state === 'running', 'the job runs on the first worker', 15_000);
    // Its steps are never opened there: it is still running when the app closes (shutdownTimeout 2 s).
    await leaving.close();
    apps.splice(apps.indexOf(leaving), 1);
    expect(await bossRow(pool, schema, id)).toMatchObject({ state: 'retry' });

    const staying = await app();
    await until(async () => (await web.jobs.getProgress(id))?.value === 0, 'the second worker takes the job', 15_000);
    const gates = staying.moduleRef.get(StepGates);
    for (let step = 1; step <= 3; step++) gates.open(id, step);
    const final = await web.jobs.waitFor(id, { timeout: 10_000 });
    expect(final).toMatchObject({ state: 'completed', result: { title: 'handed back', pages: 3 } });
    // Handed back rather than failed: its attempts are all still there (one, by default), and it completed.
    expect(await bossRow(pool, schema, id)).toMatchObject({ state: 'completed', retry_count: 1 });
  });

  it("has PostgreSQL announce every change of a job's state on the change channel, with the job's public id, whoever makes it", async () => {
    const web = await app({ worker: false });
    const listening = await pool.connect();
    const heard: string[] = [];
    try {
      listening.on('notification', (message) => heard.push(message.payload ?? ''));
      await listening.query(`LISTEN "asyncjob_${schema}_change"`);
      const own = await web.jobs.start(FlakyJobs, 'echo', 'own id');
      const keyed = await web.jobs.startWith({ jobId: 'order-9' }, FlakyJobs, 'echo', 'keyed');
      expect(heard).toEqual([]);
      // Changes made behind the transport's back, as pg-boss's own maintenance makes them.
      await pool.query(`UPDATE ${schema}.job SET state = 'cancelled' WHERE data->>'job' = 'echo'`);
      await until(() => heard.length === 2, 'both changes are announced');
      expect(heard.sort()).toEqual([own, keyed].sort());
      // A write that leaves the state as it was announces nothing.
      await pool.query(`UPDATE ${schema}.job SET output = '{}'::jsonb, state = state WHERE data->>'job' = 'echo'`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(heard).toHaveLength(2);
    } finally {
      listening.removeAllListeners('notification');
      listening.release(true);
    }
  });

  it('ends the waitFor and progress$ of a job of another app when their own app shuts down, with a ShuttingDownError', async () => {
    const web = await app({ worker: false });
    await app();
    const id = await web.jobs.start(ReportJobs, 'build', 'never opened');
    await until(async () => (await web.jobs.getStatus(id))?.state === 'running', 'the job runs on the worker', 15_000);
    // An hour: only the shutdown can end these in the test's time.
    const waiting = web.jobs.waitFor(id, { timeout: 3_600_000 }).catch((error: unknown) => error);
    const streamed = new Promise<unknown>((resolve) =>
      web.jobs.progress$(id).subscribe({ error: resolve, complete: () => resolve('completed') }),
    );
    await web.close();
    apps.splice(apps.indexOf(web), 1);
    expect(await waiting).toBeInstanceOf(ShuttingDownError);
    expect(await streamed).toBeInstanceOf(ShuttingDownError);
  });

  it('takes delay, priority and a caller-chosen jobId: a second start with the same jobId is the same job', async () => {
    const web = await app({ worker: false });
    const first = await web.jobs.startWith({ jobId: 'order-42', priority: 5 }, FlakyJobs, 'echo', 1);
    const again = await web.jobs.startWith({ jobId: 'order-42' }, FlakyJobs, 'echo', 2);
    expect(first).toBe('order-42');
    expect(again).toBe('order-42');
    const { rows } = await pool.query(`SELECT data, priority FROM ${schema}.job`);
    expect(rows).toStrictEqual([{ data: { job: 'echo', args: [1], key: 'order-42' }, priority: -5 }]);
    expect(await web.jobs.getStatus('order-42')).toMatchObject({ id: 'order-42', state: 'queued' });
    const delayed = await web.jobs.startWith({ delay: 60_000 }, FlakyJobs, 'echo', 3);
    await app();
    const echoed = await web.jobs.waitFor('order-42', { timeout: 10_000 });
    expect(echoed).toMatchObject({ state: 'completed', result: 1 });
    expect((await bossRow(pool, schema, delayed))?.state).toBe('created');
  });

  it('gives a job name listed in `jobs` a queue of its own', async () => {
    const web = await app({ worker: false, jobs: { echo: { concurrency: 1 } } });
    await app({ jobs: { echo: { concurrency: 1 } } });
    const id = await web.jobs.start(FlakyJobs, 'echo', 'own');
    expect((await bossRow(pool, schema, id))?.name).toBe('asyncjob.echo');
    expect(await web.jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 'own' });
  });

  it('still runs perform(closure) in the calling process', async () => {
    const web = await app({ worker: false });
    const id = await web.jobs.perform(() => 'local');
    expect(await web.jobs.waitFor(id, { timeout: 5000 })).toMatchObject({ state: 'completed', result: 'local' });
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.job`);
    expect(rows).toStrictEqual([{ n: 0 }]);
  });

  it('refuses arguments that are not JSON at the call', async () => {
    const web = await app({ worker: false });
    await expect(web.jobs.start(FlakyJobs, 'echo', () => 1)).rejects.toThrow(/function/);
  });

  it('refuses bad options with an InvalidOptionError naming them', () => {
    const bad: Array<[Partial<PgBossTransportOptions> | undefined, RegExp]> = [
      [undefined, /PgBossTransport/],
      [{ connection: 'redis://localhost' }, /PgBossTransport\.connection/],
      [{ connection: 42 as never }, /PgBossTransport\.connection/],
      [{ connection: PG_URL, schema: 'Bad-Schema' }, /PgBossTransport\.schema/],
      [{ connection: PG_URL, worker: 'yes' as never }, /PgBossTransport\.worker/],
      [{ connection: PG_URL, concurrency: 0 }, /PgBossTransport\.concurrency/],
      [{ connection: PG_URL, queueName: 'a b' }, /PgBossTransport\.queueName/],
      [{ connection: PG_URL, jobs: { echo: { concurrency: -1 } } }, /PgBossTransport\.jobs\.echo\.concurrency/],
      [{ connection: PG_URL, retention: -1 }, /PgBossTransport\.retention/],
      [{ connection: PG_URL, pollingInterval: 0.1 }, /PgBossTransport\.pollingInterval/],
      [{ connection: PG_URL, cancelTimeout: 1.5 }, /PgBossTransport\.cancelTimeout/],
    ];
    for (const [options, message] of bad) {
      expect(() => new PgBossTransport(options as PgBossTransportOptions)).toThrow(InvalidOptionError);
      expect(() => new PgBossTransport(options as PgBossTransportOptions)).toThrow(message);
    }
  });

  it('needs a shared tracker: without one it keeps progress and statuses in PostgreSQL, beside its jobs; a memory one fails bootstrap', async () => {
    const own = (worker: boolean) => new PgBossTransport({ connection: PG_URL, schema, worker, pollingInterval: 0.5 });
    const web = await createJobApp({ transport: own(false), shutdownTimeout: 2000 }, { providers: JOB_PROVIDERS });
    apps.push(web);
    apps.push(await createJobApp({ transport: own(true), shutdownTimeout: 2000 }, { providers: JOB_PROVIDERS }));
    expect(web.moduleRef.get(PROGRESS_TRACKER)).toBeInstanceOf(PostgresProgressTracker);
    const id = await web.jobs.start(FlakyJobs, 'run', 1);
    const status = await web.jobs.waitFor(id, { timeout: 20_000 });
    expect(status).toMatchObject({ state: 'completed', attempts: 2 });
    // A job that fails for good has its final status in the tracker's table, in a schema beside the transport's.
    onTestFinished(() => pool.query(`DROP SCHEMA IF EXISTS ${schema}_progress CASCADE`).then(() => undefined));
    const failing = await web.jobs.start(FlakyJobs, 'run', 5);
    expect(await web.jobs.waitFor(failing, { timeout: 20_000 })).toMatchObject({ state: 'failed', attempts: 3 });
    const { rows } = await pool.query(`SELECT status FROM ${schema}_progress.job_progress WHERE id = $1`, [failing]);
    expect(JSON.parse((rows[0] as { status: string }).status)).toMatchObject({ id: failing, state: 'failed' });
    await expect(
      createJobApp(
        { transport: new PgBossTransport({ connection: PG_URL, schema }), tracker: new MemoryProgressTracker() },
        { providers: JOB_PROVIDERS },
      ),
    ).rejects.toThrow(/tracker shared by every process/);
  });

  it('runs on an existing pg.Pool, which it leaves open', async () => {
    const shared = openPool();
    onTestFinished(() => shared.end());
    const web = await app({ worker: false, connection: shared });
    await app({ connection: shared });
    const id = await web.jobs.start(FlakyJobs, 'echo', 'pooled');
    const final: JobStatus = await web.jobs.waitFor(id, { timeout: 10_000 });
    expect(final).toMatchObject({ state: 'completed', result: 'pooled' });
    await Promise.all(apps.splice(0).map((created) => created.close()));
    expect((await shared.query('SELECT 1 AS one')).rows).toStrictEqual([{ one: 1 }]);
  });
});
