import { Redis as IORedis, type Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { AsyncJobModule, InvalidArgumentError, InvalidOptionError, MemoryProgressTracker, type JobStatus } from 'nestjs-asyncjob';
import { BullMqTransport, type BullMqTransportOptions } from 'nestjs-asyncjob/bullmq';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { FlakyJobs, JOB_PROVIDERS, ReportJobs, StepGates } from '../../fixtures/bullmq-app/jobs.js';
import { createJobApp, until, type JobApp } from '../../helpers/job-app.js';
import { REDIS_DB, REDIS_HOST, REDIS_PORT, deletePrefix, requireRedis } from '../redis/redis-support.js';
import { bullId, bullJob, uniqueQueue } from './bullmq-support.js';
import { AddBatcher } from '../../../lib/bullmq/add-batcher.js';

/**
 * The BullMQ transport inside one process (the test's): start, status,
 * retries, deduplication, cancel, options and shutdown, on the real Redis.
 */
describe('BullMqTransport in one process', () => {
  const { prefix, queueName } = uniqueQueue('single');
  const connection = { host: REDIS_HOST, port: REDIS_PORT, db: REDIS_DB };
  let redis: Redis;
  let queue: Queue;
  const apps: JobApp[] = [];

  async function app(options: Partial<BullMqTransportOptions> = {}, moduleOptions: { shutdownTimeout?: number } = {}): Promise<JobApp> {
    const transport = new BullMqTransport({ connection, prefix, queueName, lockDuration: 5000, ...options });
    const created = await createJobApp({ transport, shutdownTimeout: moduleOptions.shutdownTimeout ?? 2000 }, { providers: JOB_PROVIDERS });
    apps.push(created);
    return created;
  }

  beforeAll(async () => {
    redis = await requireRedis();
    queue = new Queue(queueName, { connection, prefix });
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((created) => created.close()));
    await queue.obliterate({ force: true });
  });

  afterAll(async () => {
    await queue?.close();
    await deletePrefix(redis, prefix);
    redis?.disconnect();
  });

  it('starts a named job through BullMQ: progress { value: -1, data: null } at once, then running on the worker, then completed', async () => {
    const { jobs, moduleRef } = await app({ concurrency: 2 });
    const id = await jobs.start(ReportJobs, 'build', 'Q3');
    expect(id).toMatch(/^asyncjob_\d+_[A-Za-z0-9_-]{22}$/);
    expect(await jobs.getProgress(id)).not.toBeNull();
    const bull = await bullJob(queue, id);
    expect(bull?.name).toBe('report.build');
    expect(bull?.data).toMatchObject({ args: ['Q3'] });
    await until(async () => (await jobs.getProgress(id))?.value === 0, 'the job reports step 0');
    expect(await jobs.getStatus(id)).toMatchObject({ id, name: 'report.build', state: 'running', attempts: 1 });
    const gates = moduleRef.get(StepGates);
    for (let step = 1; step <= 3; step++) gates.open(id, step);
    const final = await jobs.waitFor(id, { timeout: 10_000 });
    expect(final).toMatchObject({
      state: 'completed',
      attempts: 1,
      result: { title: 'Q3', pages: 3, worker: 'test' },
      progress: { value: 3 },
    });
    expect(await jobs.getProgress(id)).toBeNull();
    await until(async () => (await queue.getJobState(bullId(id))) === 'completed', 'BullMQ records it completed');
  });

  it("keeps a named job's record in BullMQ: its data, its progress and its result, and writes no status of its own on success", async () => {
    const { jobs, moduleRef } = await app({ concurrency: 2 });
    const reader = await app({ worker: false });
    const id = await jobs.start(ReportJobs, 'build', 'Q4');
    // The @AsyncJob's own options are not copied into every job; a start that changes them carries them.
    expect((await bullJob(queue, id))?.data).toStrictEqual({ args: ['Q4'], secret: expect.any(String) });
    const custom = await reader.jobs.startWith({ timeout: 60_000 }, FlakyJobs, 'echo', 'x');
    expect((await bullJob(queue, custom))?.data).toMatchObject({ args: ['x'], options: { timeout: 60_000 } });

    await until(
      async () => ((await bullJob(queue, id))?.progress as { value?: number } | undefined)?.value === 0,
      "step 0 in BullMQ's job.progress",
    );
    expect((await bullJob(queue, id))?.progress).toStrictEqual({ value: 0, data: { step: 0, worker: 'test' }, attempt: 1 });
    expect(await reader.jobs.getStatus(id)).toMatchObject({
      state: 'running',
      attempts: 1,
      progress: { value: 0, data: { step: 0, worker: 'test' } },
    });
    const gates = moduleRef.get(StepGates);
    for (let step = 1; step <= 3; step++) gates.open(id, step);
    await jobs.waitFor(id, { timeout: 10_000 });
    await until(async () => (await queue.getJobState(bullId(id))) === 'completed', 'BullMQ records it completed');
    // Read from another process's module: BullMQ's record alone answers.
    expect(await reader.jobs.getStatus(id)).toMatchObject({
      id,
      name: 'report.build',
      state: 'completed',
      attempts: 1,
      result: { title: 'Q4', pages: 3, worker: 'test' },
      progress: { value: 3, data: { step: 3, title: 'Q4' } },
    });
    expect(await reader.jobs.getProgress(id)).toBeNull();
    expect(await redis.keys(`${prefix}:${queueName}:asyncjob:*${id}*`)).toStrictEqual([]);
  });

  it('forgets a completed named job once BullMQ removes it: removeOnComplete is the retention of named jobs', async () => {
    const { jobs } = await app({ removeOnComplete: true });
    const id = await jobs.start(FlakyJobs, 'echo', 'gone');
    expect(await jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 'gone' });
    await until(async () => (await bullJob(queue, id)) === undefined, 'BullMQ removes it on completion');
    await until(async () => (await jobs.getStatus(id)) === null, 'the status goes with it');
    expect(await jobs.getProgress(id)).toBeNull();
  });

  it('applies the retention in the workers, as jobs finish: a job carries no removal options of its own', async () => {
    const web = await app({ removeOnComplete: 2, worker: false });
    const waiting = await web.jobs.start(FlakyJobs, 'echo', 'no options');
    expect((await bullJob(queue, waiting))?.opts).not.toHaveProperty('removeOnComplete');
    expect((await bullJob(queue, waiting))?.opts).not.toHaveProperty('removeOnFail');
    const { jobs } = await app({ removeOnComplete: 2, concurrency: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await jobs.start(FlakyJobs, 'echo', i));
    await until(async () => {
      const counts = await queue.getJobCounts('waiting', 'active');
      return counts.waiting === 0 && counts.active === 0;
    }, 'every job has run');
    await until(async () => (await queue.getJobState(bullId(ids[4]!))) === 'completed', 'BullMQ records the last one completed');
    // Six jobs ran; the workers kept the last two.
    expect(await queue.getCompletedCount()).toBe(2);
    expect(await bullJob(queue, waiting)).toBeUndefined();
    expect(await bullJob(queue, ids[0]!)).toBeUndefined();
  });

  it('answers { value: -1, data: null } the moment start resolves, on an enqueue-only process', async () => {
    const { jobs } = await app({ worker: false });
    const id = await jobs.start(FlakyJobs, 'echo', { a: 1 });
    expect(await jobs.getProgress(id)).toStrictEqual({ value: -1, data: null });
    expect(await jobs.getStatus(id)).toMatchObject({ id, name: 'echo', state: 'queued', attempts: 0 });
    expect(await queue.getJobState(bullId(id))).toBe('waiting');
  });

  it('adds a burst of starts in start order, one addBulk of up to 250 at a time', async () => {
    const { jobs } = await app({ worker: false });
    // The real addBulk, watched: how many are in flight at once.
    const addBulk = Queue.prototype.addBulk;
    let inFlight = 0;
    let mostInFlight = 0;
    const sizes: number[] = [];
    Queue.prototype.addBulk = async function (this: Queue, batch) {
      sizes.push(batch.length);
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        return await addBulk.call(this, batch);
      } finally {
        inFlight--;
      }
    };
    let ids: string[];
    try {
      ids = await Promise.all(Array.from({ length: 600 }, (_, i) => jobs.start(FlakyJobs, 'echo', i)));
    } finally {
      Queue.prototype.addBulk = addBulk;
    }
    expect(sizes).toStrictEqual([250, 250, 100]);
    expect(mostInFlight).toBe(1);
    const waiting = await queue.getJobs(['wait'], 0, -1, true);
    expect(waiting.map((job) => job.id)).toStrictEqual(ids.map(bullId));
    expect(waiting.map((job) => (job.data as { args: number[] }).args[0])).toStrictEqual(ids.map((_, i) => i));
  });

  it('when an addBulk fails, its numbered jobs reject with its error, and each job with an id of its own is added again alone', async () => {
    // The batcher a lane adds through, on this test's queue.
    const batcher = new AddBatcher(queue);
    const echo = { name: 'echo', options: { attempts: 1, backoff: { delay: 1000, factor: 2, maxDelay: 3_600_000 } } };
    const refused = new Error('MULTI refused');
    const addBulk = Queue.prototype.addBulk;
    let bulkCalls = 0;
    Queue.prototype.addBulk = function () {
      bulkCalls++;
      return Promise.reject(refused);
    };
    let outcomes: Array<PromiseSettledResult<string>>;
    try {
      // One tick, one batch: two numbered starts and two with ids of their own.
      outcomes = await Promise.allSettled([
        batcher.add(echo, undefined, ['a'], echo.options, {}),
        batcher.add(echo, 'own-1', ['b'], echo.options, {}),
        batcher.add(echo, undefined, ['c'], echo.options, {}),
        batcher.add(echo, 'own-2', ['d'], echo.options, {}),
      ]);
    } finally {
      Queue.prototype.addBulk = addBulk;
    }
    expect(bulkCalls).toBe(1);
    expect(outcomes).toStrictEqual([
      { status: 'rejected', reason: refused },
      { status: 'fulfilled', value: 'own-1' },
      { status: 'rejected', reason: refused },
      { status: 'fulfilled', value: 'own-2' },
    ]);
    const waiting = await queue.getJobs(['wait'], 0, -1, true);
    const added = waiting
      .map((job) => [job.id, (job.data as { args: unknown[] }).args])
      .sort(([a], [b]) => String(a).localeCompare(String(b)));
    expect(added).toStrictEqual([
      ['own-1', ['b']],
      ['own-2', ['d']],
    ]);
  });

  it('rejects a lone start whose add fails with the error BullMQ gave, adding nothing', async () => {
    const { jobs } = await app({ worker: false });
    const refused = new Error('connection lost');
    const add = Queue.prototype.add;
    Queue.prototype.add = function () {
      return Promise.reject(refused);
    };
    try {
      await expect(jobs.start(FlakyJobs, 'echo', 'alone')).rejects.toBe(refused);
    } finally {
      Queue.prototype.add = add;
    }
    expect(await queue.getJobCounts('wait', 'delayed', 'prioritized')).toStrictEqual({ wait: 0, delayed: 0, prioritized: 0 });
  });

  it('tells events$ subscribers of a named job queued, started and completed', async () => {
    const { jobs } = await app();
    const events: Array<{ type: string; id: string }> = [];
    const subscription = jobs.events$.subscribe((event) => events.push({ type: event.type, id: event.id }));
    try {
      const id = await jobs.start(FlakyJobs, 'echo', 'hello');
      await jobs.waitFor(id, { timeout: 10_000 });
      await until(() => events.some((event) => event.type === 'completed'), 'the completed event');
      expect(events).toStrictEqual([
        { type: 'queued', id },
        { type: 'started', id },
        { type: 'completed', id },
      ]);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('refuses arguments that are not JSON-serialisable with an InvalidArgumentError at the call, queueing nothing', async () => {
    const { jobs } = await app({ worker: false });
    await expect(jobs.start(FlakyJobs, 'echo', { when: 10n })).rejects.toThrow(InvalidArgumentError);
    await expect(jobs.start(FlakyJobs, 'echo', () => 1)).rejects.toThrow(/The arguments of job "echo" must be JSON-serialisable/);
    expect(await queue.count()).toBe(0);
  });

  it('runs perform(closure) in this process, and refuses BullMQ options for a closure at the call', async () => {
    const { jobs } = await app({ worker: false });
    let ranHere = false;
    const id = await jobs.perform(() => {
      ranHere = true;
      return 'local';
    });
    expect(await jobs.waitFor(id)).toMatchObject({ state: 'completed', result: 'local' });
    expect(ranHere).toBe(true);
    expect(await queue.count()).toBe(0);
    const options = { jobId: 'send-me' } as object;
    await expect(jobs.performWith(options, () => 1)).rejects.toThrow(InvalidOptionError);
    await expect(jobs.performWith(options, () => 1)).rejects.toThrow(/perform\(\) runs a closure in this process/);
  });

  it('retries in BullMQ with our backoff: attempts show in the status, completed at the third', async () => {
    const { jobs } = await app();
    const id = await jobs.start(FlakyJobs, 'run', 2);
    const final = await jobs.waitFor(id, { timeout: 15_000 });
    expect(final).toMatchObject({ state: 'completed', attempts: 3, result: 3 });
    // BullMQ counts the completing attempt too, once it has recorded it.
    await until(async () => (await queue.getJobState(bullId(id))) === 'completed', 'BullMQ records it completed');
    const bull = await bullJob(queue, id);
    expect(bull?.attemptsMade).toBe(3);
  });

  it('records failed only after the last attempt', async () => {
    const { jobs } = await app();
    const id = await jobs.start(FlakyJobs, 'run', 5);
    const final: JobStatus = await jobs.waitFor(id, { timeout: 15_000 });
    expect(final).toMatchObject({ state: 'failed', attempts: 3, error: { name: 'RangeError', message: 'attempt 3 fails' } });
    await until(async () => (await queue.getJobState(bullId(id))) === 'failed', 'BullMQ records it failed');
  });

  it('deduplicates a caller-chosen jobId: the second start adds nothing and resolves to the same id', async () => {
    const { jobs } = await app({ worker: false });
    const first = await jobs.startWith({ jobId: 'order-42' }, FlakyJobs, 'echo', 1);
    const second = await jobs.startWith({ jobId: 'order-42' }, FlakyJobs, 'echo', 2);
    expect([first, second]).toStrictEqual(['order-42', 'order-42']);
    expect(await queue.count()).toBe(1);
    expect((await queue.getJob('order-42'))?.data).toMatchObject({ args: [1] });
    // A number is BullMQ's own kind of id, and asyncjob_ the library's.
    for (const jobId of ['42', 'asyncjob_1_AAAAAAAAAAAAAAAAAAAAAA', 'a:b']) {
      await expect(jobs.startWith({ jobId }, FlakyJobs, 'echo', 3)).rejects.toThrow(InvalidOptionError);
    }
    expect(await queue.count()).toBe(1);
  });

  it("numbers a job with BullMQ's counter and a secret: an id with the right number and another secret finds nothing", async () => {
    const { jobs } = await app({ worker: false });
    const id = await jobs.start(FlakyJobs, 'echo', 'mine');
    const [, number, secret] = /^asyncjob_(\d+)_([A-Za-z0-9_-]{22})$/.exec(id)!;
    expect((await queue.getJob(number!))?.data).toMatchObject({ args: ['mine'], secret });
    const forged = `asyncjob_${number}_${'A'.repeat(22)}`;
    expect(forged).not.toBe(id);
    expect(await jobs.getStatus(forged)).toBeNull();
    expect(await jobs.getProgress(forged)).toBeNull();
    expect(await jobs.cancel(forged)).toBe(false);
    expect(await jobs.getStatus(id)).toMatchObject({ id, state: 'queued' });
    expect(await queue.getJobState(number!)).toBe('waiting');
  });

  it('passes delay and priority to BullMQ, and refuses them without the transport', async () => {
    const { jobs } = await app({ worker: false });
    const delayed = await jobs.startWith({ delay: 60_000 }, FlakyJobs, 'echo', 'later');
    const urgent = await jobs.startWith({ priority: 1 }, FlakyJobs, 'echo', 'now');
    expect(await queue.getJobState(bullId(delayed))).toBe('delayed');
    expect(await queue.getJobState(bullId(urgent))).toBe('prioritized');
    await expect(jobs.startWith({ priority: 0 }, FlakyJobs, 'echo', 'x')).rejects.toThrow(InvalidOptionError);

    const local = await createJobApp({}, { providers: JOB_PROVIDERS });
    apps.push(local);
    await expect(local.jobs.startWith({ delay: 10 }, FlakyJobs, 'echo', 1)).rejects.toThrow(/without a queue transport/);
  });

  it('cancels a job no worker has taken: removed from BullMQ, recorded cancelled', async () => {
    const { jobs } = await app({ worker: false });
    const id = await jobs.start(FlakyJobs, 'echo', 'x');
    expect(await jobs.cancel(id)).toBe(true);
    expect(await bullJob(queue, id)).toBeUndefined();
    expect(await jobs.getStatus(id)).toMatchObject({ state: 'cancelled', error: { name: 'JobCancelledError' } });
    expect(await jobs.getProgress(id)).toBeNull();
    expect(await jobs.cancel(id)).toBe(false);
  });

  it('cancels a running job: its signal aborts, it is recorded cancelled and BullMQ does not retry it', async () => {
    const { jobs } = await app();
    const id = await jobs.startWith({ attempts: 3 }, ReportJobs, 'build', 'doomed');
    await until(async () => (await jobs.getProgress(id))?.value === 0, 'the job runs');
    expect(await jobs.cancel(id)).toBe(true);
    expect(await jobs.getStatus(id)).toMatchObject({ state: 'cancelled', attempts: 1 });
    await until(async () => (await queue.getJobState(bullId(id))) === 'failed', 'BullMQ gives it up');
    expect((await bullJob(queue, id))?.attemptsMade).toBeLessThanOrEqual(1);
  });

  it('fails bootstrap with an InvalidOptionError when the tracker is not shared', async () => {
    const transport = new BullMqTransport({ connection, prefix, queueName, worker: false });
    const building = Test.createTestingModule({
      imports: [AsyncJobModule.forRoot({ transport, tracker: new MemoryProgressTracker() })],
    }).compile();
    await expect(building).rejects.toThrow(InvalidOptionError);
    await expect(
      Test.createTestingModule({
        imports: [AsyncJobModule.forRoot({ transport: { connection } as unknown as BullMqTransport })],
      }).compile(),
    ).rejects.toThrow(/expected a BullMqTransport/);
    expect(() => new BullMqTransport({ connection, queueName: 'a:b' })).toThrow(InvalidOptionError);
    expect(() => new BullMqTransport({ connection, lockDuration: -1 })).toThrow(/lockDuration/);
  });

  it('at shutdown hands a job that outlives the grace period back to the queue, where the next worker runs it', async () => {
    const first = await app({}, { shutdownTimeout: 100 });
    const id = await first.jobs.start(ReportJobs, 'build', 'handed back');
    await until(async () => (await first.jobs.getProgress(id))?.value === 0, 'the job runs on the first worker');
    await first.close();
    apps.splice(apps.indexOf(first), 1);
    expect(await queue.getJobState(bullId(id))).toBe('waiting');

    const second = await app();
    expect((await second.jobs.getStatus(id))?.state).toMatch(/queued|running/);
    await until(async () => (await second.jobs.getStatus(id))?.state === 'running', 'the next worker takes it');
    const gates = second.moduleRef.get(StepGates);
    for (let step = 1; step <= 3; step++) gates.open(id, step);
    expect(await second.jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({ state: 'completed', attempts: 2 });
  });

  it('never runs a job twice at once: delivered again while it still runs here (its lock lost), it goes back to the queue until the first run ends', async () => {
    // Two slots: one holds the first run, the other takes the job again.
    const { jobs, moduleRef } = await app({ stalledInterval: 100, concurrency: 2 });
    const started: string[] = [];
    const subscription = jobs.events$.subscribe((event) => {
      if (event.type === 'started') started.push(event.id);
    });
    try {
      const id = await jobs.start(ReportJobs, 'build', 'lost lock');
      await until(async () => (await jobs.getProgress(id))?.value === 0, 'the job runs');
      // As if the lock had expired while the process was busy: BullMQ's stalled check hands the job out again.
      await redis.del(`${prefix}:${queueName}:${bullId(id)}:lock`);
      const delivered = async (): Promise<number> => (await bullJob(queue, id))?.attemptsStarted ?? 0;
      await until(async () => started.length > 1 || (await delivered()) >= 3, 'BullMQ delivers the job again, twice');
      expect(started).toStrictEqual([id]);
      expect((await jobs.getProgress(id))?.value).toBe(0);

      // The first run ends (BullMQ refuses its result: the lock is gone); the next delivery runs the job again.
      const gates = moduleRef.get(StepGates);
      for (let step = 1; step <= 3; step++) gates.open(id, step);
      await until(() => started.length === 2, 'the job runs again once the first run has ended');
      expect(started).toStrictEqual([id, id]);
      for (let step = 1; step <= 3; step++) gates.open(id, step);
      expect(await jobs.waitFor(id, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: { title: 'lost lock' } });
    } finally {
      subscription.unsubscribe();
    }
  });

  it('runs a name with its own queue and concurrency (the jobs option): in "<queueName>.<name>", one at a time', async () => {
    const own = new Queue(`${queueName}.report.build`, { connection, prefix });
    try {
      const { jobs, moduleRef } = await app({ concurrency: 4, jobs: { 'report.build': { concurrency: 1 } } });
      const first = await jobs.start(ReportJobs, 'build', 'one');
      const second = await jobs.start(ReportJobs, 'build', 'two');
      expect((await bullJob(own, first))?.name).toBe('report.build');
      expect(await bullJob(queue, first)).toBeUndefined();
      await until(async () => (await jobs.getProgress(first))?.value === 0, 'the first runs');
      // The process has slots to spare; the name has not. Long enough for a second slot to have taken it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await jobs.getStatus(second)).toMatchObject({ state: 'queued', progress: { value: -1, data: null } });
      expect(await own.getJobState(bullId(second))).toBe('waiting');
      const gates = moduleRef.get(StepGates);
      for (let step = 1; step <= 3; step++) gates.open(first, step);
      await until(async () => (await jobs.getProgress(second))?.value === 0, 'the second runs once the first is done');
      for (let step = 1; step <= 3; step++) gates.open(second, step);
      expect(await jobs.waitFor(second, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: { title: 'two' } });
      // Other names still go through the main queue.
      const echo = await jobs.start(FlakyJobs, 'echo', 'main queue');
      expect((await bullJob(queue, echo))?.name).toBe('echo');
      expect(await jobs.waitFor(echo, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 'main queue' });
    } finally {
      await Promise.all(apps.splice(0).map((created) => created.close()));
      await own.obliterate({ force: true });
      await own.close();
    }
  });

  it('takes its connection as a redis:// URL or as an ioredis client, and leaves a client it was given open', async () => {
    const viaUrl = await app({ connection: `redis://${REDIS_HOST}:${REDIS_PORT}/${REDIS_DB}` });
    const byUrl = await viaUrl.jobs.start(FlakyJobs, 'echo', 'by url');
    expect(await viaUrl.jobs.waitFor(byUrl, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 'by url' });
    await viaUrl.close();
    apps.splice(apps.indexOf(viaUrl), 1);

    // BullMQ's workers need maxRetriesPerRequest: null on the connections they are given.
    const client = new IORedis({ host: REDIS_HOST, port: REDIS_PORT, db: REDIS_DB, maxRetriesPerRequest: null });
    try {
      const viaClient = await app({ connection: client });
      const byClient = await viaClient.jobs.start(FlakyJobs, 'echo', 'by client');
      expect(await viaClient.jobs.waitFor(byClient, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 'by client' });
      await viaClient.close();
      apps.splice(apps.indexOf(viaClient), 1);
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it("adds a job started after commit only once the caller's transaction commits, and never after a rollback", async () => {
    const dataSource = new DataSource({
      type: 'postgres',
      host: '127.0.0.1',
      port: 5432,
      username: 'postgres',
      database: 'test',
      poolSize: 2,
      connectTimeoutMS: 5000,
    });
    try {
      await dataSource.initialize();
    } catch (error) {
      throw new Error(
        `PostgreSQL is required by this test but is unreachable at 127.0.0.1:5432 (user postgres, database test): ${(error as Error).message}`,
      );
    }
    try {
      const { jobs } = await app();
      let committed = '';
      await dataSource.transaction(async (manager) => {
        committed = await jobs.startAfterCommit(manager, FlakyJobs, 'echo', 'after commit');
        expect(await jobs.getProgress(committed)).toStrictEqual({ value: -1, data: null });
        expect(await bullJob(queue, committed)).toBeUndefined();
      });
      expect(await jobs.waitFor(committed, { timeout: 10_000 })).toMatchObject({ state: 'completed', result: 'after commit' });
      // Held in the tracker only until BullMQ had it: nothing of it is left there.
      await until(
        async () => (await redis.keys(`${prefix}:${queueName}:asyncjob:*${committed}*`)).length === 0,
        'the tracker forgets the held job',
      );

      let rolledBack = '';
      await expect(
        dataSource.transaction(async (manager) => {
          rolledBack = await jobs.startAfterCommit(manager, FlakyJobs, 'echo', 'never');
          throw new Error('the order was refused');
        }),
      ).rejects.toThrow('the order was refused');
      expect(await jobs.waitFor(rolledBack, { timeout: 10_000 })).toMatchObject({
        state: 'cancelled',
        error: { name: 'JobCancelledError', message: `Job ${rolledBack} was dropped: its transaction rolled back` },
      });
      expect(await bullJob(queue, rolledBack)).toBeUndefined();
    } finally {
      await dataSource.destroy();
    }
  });

  it('closes every connection it opened: no client of this queue is left on the server', async () => {
    const { close } = await app();
    apps.pop();
    expect(String(await redis.client('LIST'))).toContain('asyncjob:cancel-subscriber');
    await close();
    const clients = await redis.client('LIST');
    expect(String(clients)).not.toContain('asyncjob:cancel-subscriber');
  });
});
