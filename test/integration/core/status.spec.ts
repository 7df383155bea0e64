import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobNotFoundError, MemoryProgressTracker, WaitTimeoutError } from 'nestjs-asyncjob';
import { jobAppForTest, gate } from '../../helpers/job-app.js';

describe('getStatus and waitFor', () => {
  afterEach(async () => {
    vi.useRealTimers();
  });

  it('walks queued → running → completed with timestamps, attempts and the result', async () => {
    const app = await jobAppForTest({ paused: true });
    const { jobs } = app;
    const release = gate();
    const id = await jobs.perform(async () => {
      await release.promise;
      return { frames: 240 };
    });
    const queued = await jobs.getStatus(id);
    expect(queued).toMatchObject({ id, state: 'queued', attempts: 0, progress: { value: -1, data: null } });
    expect(queued?.startedAt).toBeUndefined();
    expect(typeof queued?.enqueuedAt).toBe('number');
    jobs.resume();
    const runningId = await new Promise<string>((resolve) => {
      const sub = jobs.events$.subscribe((event) => {
        if (event.type === 'started') {
          sub.unsubscribe();
          resolve(event.id);
        }
      });
    });
    expect(runningId).toBe(id);
    const running = await jobs.getStatus(id);
    expect(running).toMatchObject({ state: 'running', attempts: 1 });
    expect(running!.startedAt!).toBeGreaterThanOrEqual(running!.enqueuedAt);
    release.open();
    const done = await jobs.waitFor(id);
    expect(done).toMatchObject({ state: 'completed', result: { frames: 240 }, attempts: 1 });
    expect(done.finishedAt!).toBeGreaterThanOrEqual(done.startedAt!);
    expect(await jobs.getStatus(id)).toEqual(done);
  });

  it('records a failure with the error name and message, never confused with an unknown id', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const id = await jobs.perform(async () => {
      throw new RangeError('frame 12 is out of range');
    });
    const status = await jobs.waitFor(id);
    expect(status).toMatchObject({ state: 'failed', error: { name: 'RangeError', message: 'frame 12 is out of range' } });
    expect(await jobs.getStatus('asyncjob_unknown')).toBeNull();
  });

  it('forgets finished statuses after the retention period', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const app = await jobAppForTest({ retention: 60_000 });
    const { jobs } = app;
    const id = await jobs.perform(() => 'done');
    await jobs.waitFor(id);
    vi.setSystemTime(Date.now() + 59_000);
    expect((await jobs.getStatus(id))?.state).toBe('completed');
    vi.setSystemTime(Date.now() + 2_000);
    expect(await jobs.getStatus(id)).toBeNull();
  });

  it('keeps nothing with retention 0', async () => {
    const app = await jobAppForTest({ retention: 0 });
    const id = await app.jobs.perform(() => 'done');
    expect((await app.jobs.waitFor(id)).state).toBe('completed');
    expect(await app.jobs.getStatus(id)).toBeNull();
  });

  it('caps the number of finished statuses kept (maxRetained), forgetting the oldest', async () => {
    const app = await jobAppForTest({ maxRetained: 3 });
    const { jobs } = app;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await jobs.perform(() => i));
    await jobs.drain();
    const states = await Promise.all(ids.map(async (id) => (await jobs.getStatus(id))?.state ?? null));
    expect(states).toEqual([null, null, 'completed', 'completed', 'completed']);
  });

  it('keeps memory bounded: 20 000 jobs leave at most maxRetained statuses and no progress entries', async () => {
    const tracker = new MemoryProgressTracker({ maxRetained: 100 });
    const app = await jobAppForTest({ tracker, concurrency: 8 });
    for (let i = 0; i < 20_000; i++) await app.jobs.perform(() => i);
    await app.jobs.drain();
    expect(tracker.size).toEqual({ progress: 0, active: 0, finished: 100 });
  });

  it('waitFor resolves at once for a finished job and rejects for an unknown one', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const id = await jobs.perform(() => 1);
    await jobs.drain();
    await expect(jobs.waitFor(id)).resolves.toMatchObject({ state: 'completed', result: 1 });
    await expect(jobs.waitFor('asyncjob_nope')).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it('waitFor rejects with WaitTimeoutError when the job outlasts the timeout, leaving the job alone', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const release = gate();
    const id = await jobs.perform(() => release.promise);
    await expect(jobs.waitFor(id, { timeout: 20 })).rejects.toBeInstanceOf(WaitTimeoutError);
    expect((await jobs.getStatus(id))?.state).toBe('running');
    release.open();
    await expect(jobs.waitFor(id)).resolves.toMatchObject({ state: 'completed' });
  });

  it('drops a result that is not JSON-serialisable, with a warning, but still completes', async () => {
    const app = await jobAppForTest();
    const warn = vi.spyOn((await import('@nestjs/common')).Logger.prototype, 'warn').mockImplementation(() => undefined);
    const id = await app.jobs.perform(() => ({ handle: () => undefined }));
    const status = await app.jobs.waitFor(id);
    expect(status.state).toBe('completed');
    expect(status).not.toHaveProperty('result');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`Job ${id} (anonymous) completed, but its result is not kept`));
    warn.mockRestore();
  });
});
