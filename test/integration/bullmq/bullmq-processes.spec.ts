import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JobStatus } from 'nestjs-asyncjob';
import { BullMqTransport } from 'nestjs-asyncjob/bullmq';
import { JOB_PROVIDERS, ReportJobs, RowJobs } from '../../fixtures/bullmq-app/jobs.js';
import { createJobApp, until, type JobApp } from '../../helpers/job-app.js';
import { REDIS_DB, REDIS_HOST, REDIS_PORT, deletePrefix, requireRedis } from '../redis/redis-support.js';
import { QueueChild, RowsTable, uniqueQueue } from './bullmq-support.js';

/**
 * Real processes: three workers (child processes) and this test process,
 * enqueue-only, sharing one BullMQ queue and PostgreSQL table.
 */
describe('BullMQ transport across processes', () => {
  const { prefix, queueName } = uniqueQueue('processes');
  let redis: Redis;
  let table: RowsTable;
  let web: JobApp;
  const workers: QueueChild[] = [];
  const tables: RowsTable[] = [];

  beforeAll(async () => {
    redis = await requireRedis();
    table = await RowsTable.create(false);
    const env = {
      ROLE: 'worker',
      REDIS_PORT: String(REDIS_PORT),
      REDIS_DB: String(REDIS_DB),
      QUEUE_NAME: queueName,
      BULL_PREFIX: prefix,
      CONCURRENCY: '4',
      LOCK_DURATION: '2000',
      STALLED_INTERVAL: '1000',
      ROWS_TABLE: table.name,
    };
    workers.push(...(await Promise.all(['w1', 'w2', 'w3'].map((name) => QueueChild.start(name, env)))));
    const transport = new BullMqTransport({
      connection: { host: REDIS_HOST, port: REDIS_PORT, db: REDIS_DB },
      prefix,
      queueName,
      worker: false,
    });
    web = await createJobApp({ transport }, { providers: JOB_PROVIDERS });
  }, 120_000);

  afterAll(async () => {
    await web?.close();
    const codes = await Promise.all(workers.map((worker) => worker.close()));
    await Promise.all([table, ...tables].map((each) => each?.drop()));
    await deletePrefix(redis, prefix);
    redis?.disconnect();
    // A worker still alive must exit by itself once closed: nothing left open. The killed one exited by signal.
    expect(codes.filter((code) => code !== null)).toStrictEqual(codes.filter((code) => code !== null).map(() => 0));
  }, 60_000);

  it('runs 1 000 jobs from an enqueue-only process on three workers: each committed exactly once, every worker busy', async () => {
    const ids: string[] = [];
    for (let key = 0; key < 1000; key++) ids.push(await web.jobs.start(RowJobs, 'insert', key, { pauseMs: 2 }));
    await until(async () => (await table.counts()).rows >= 1000, '1 000 rows are committed', 90_000);
    // Every status final and completed, read from this process.
    await until(async () => (await web.jobs.getStatus(ids.at(-1)!))?.state === 'completed', 'the last job is recorded completed', 10_000);
    const statuses = await Promise.all(ids.map((id) => web.jobs.getStatus(id)));
    expect(statuses.filter((status) => status?.state !== 'completed')).toStrictEqual([]);
    expect(await table.counts()).toStrictEqual({ rows: 1000, keys: 1000 });
    const perWorker = await table.byWorker();
    expect(Object.keys(perWorker).sort()).toStrictEqual(['w1', 'w2', 'w3']);
    expect(Object.values(perWorker).every((count) => count > 0)).toBe(true);
  }, 120_000);

  it('shows a job running in worker B to process A: getProgress, getStatus, progress$ and waitFor', async () => {
    const id = await web.jobs.start(ReportJobs, 'build', 'Q3 sales');
    // Tracked from the moment start resolves: still queued, or already taken by a worker, which reports step 0 at once.
    expect([-1, 0]).toContain((await web.jobs.getProgress(id))?.value);
    const streamed: unknown[] = [];
    let streamDone = false;
    const subscription = web.jobs
      .progress$(id)
      .subscribe({ next: (progress) => streamed.push(progress), complete: () => (streamDone = true) });
    const finished = web.jobs.waitFor(id, { timeout: 30_000 });

    await until(async () => (await web.jobs.getProgress(id))?.value === 0, 'A sees the job start', 20_000);
    const { worker } = (await web.jobs.getProgress(id))!.data as { worker: string };
    const b = workers.find((candidate) => candidate.name === worker)!;
    expect(await web.jobs.getStatus(id)).toMatchObject({ id, name: 'report.build', state: 'running', attempts: 1 });
    expect(await b.request('getStatus', { id })).toMatchObject({ state: 'running' });

    for (let step = 1; step <= 3; step++) {
      await b.request('open', { id, step });
      await until(() => streamed.some((progress) => (progress as { value: number }).value === step), `A streams step ${step}`, 20_000);
      if (step < 3) expect(await web.jobs.getProgress(id)).toStrictEqual({ value: step, data: { step, title: 'Q3 sales' } });
    }
    const final: JobStatus = await finished;
    expect(final).toMatchObject({ state: 'completed', result: { title: 'Q3 sales', pages: 3, worker } });
    await until(() => streamDone, 'the stream completes');
    subscription.unsubscribe();
    expect(await web.jobs.getProgress(id)).toBeNull();
  }, 60_000);

  it('cancels from A a job running in B: B aborts it and records it cancelled', async () => {
    const id = await web.jobs.start(ReportJobs, 'build', 'cancel me');
    await until(async () => (await web.jobs.getProgress(id))?.value === 0, 'the job runs', 20_000);
    expect(await web.jobs.cancel(id)).toBe(true);
    expect(await web.jobs.getStatus(id)).toMatchObject({ state: 'cancelled', error: { name: 'JobCancelledError' } });
    expect(await web.jobs.getProgress(id)).toBeNull();
    const stats = (await Promise.all(workers.map((worker) => worker.request('stats', {})))) as Array<{ running: number }>;
    expect(stats.every((s) => s.running === 0)).toBe(true);
  }, 60_000);

  it('SIGKILL of a worker mid-job: the job runs again on another worker, nothing lost, nothing committed twice', async () => {
    // Keyed rows: the blocked job inserts plainly, so had its killed attempt committed, its second attempt would fail
    // on the key. The others, which may be killed between their commit and BullMQ's acknowledgement (and so run
    // twice: at least once), use the documented idempotent insert.
    const keyed = await RowsTable.create(true);
    tables.push(keyed);
    const base = 10_000;
    const blocked = await web.jobs.start(RowJobs, 'insert', base, { blockFirstAttempt: true, table: keyed.name });
    await until(async () => (await web.jobs.getProgress(blocked))?.value === 1, 'the blocking job runs', 20_000);
    const { worker } = (await web.jobs.getProgress(blocked))!.data as { worker: string };
    const others: string[] = [];
    for (let key = base + 1; key <= base + 200; key++)
      others.push(await web.jobs.start(RowJobs, 'insert', key, { pauseMs: 1, idempotent: true, table: keyed.name }));

    const victim = workers.find((candidate) => candidate.name === worker)!;
    await victim.kill();

    const final = await web.jobs.waitFor(blocked, { timeout: 60_000 });
    expect(final).toMatchObject({ state: 'completed', attempts: 2 });
    expect((final.result as { worker: string }).worker).not.toBe(worker);
    for (const id of others) expect((await web.jobs.waitFor(id, { timeout: 60_000 })).state).toBe('completed');
    // The killed attempt's insert was never committed: exactly one row per job.
    expect(await keyed.rowsOf(base)).toStrictEqual([{ worker: (final.result as { worker: string }).worker, attempt: 2 }]);
    expect(await keyed.counts()).toStrictEqual({ rows: 201, keys: 201 });
  }, 90_000);
});
