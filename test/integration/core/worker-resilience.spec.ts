import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { MemoryProgressTracker, type JobProgress, type ProgressTracker } from 'nestjs-asyncjob';
import { jobAppForTest } from '../../helpers/job-app.js';

/** A real memory tracker whose calls fail on demand, as a store that goes away would. */
class FlakyTracker implements ProgressTracker {
  readonly inner = new MemoryProgressTracker();
  failing = new Set<keyof ProgressTracker>();
  track(id: string): void {
    this.maybeFail('track');
    this.inner.track(id);
  }
  remove(id: string): void {
    this.maybeFail('remove');
    this.inner.remove(id);
  }
  async setProgress(id: string, value: number, data: unknown): Promise<void> {
    await Promise.resolve();
    this.maybeFail('setProgress');
    this.inner.setProgress(id, value, data);
  }
  getProgress(id: string): JobProgress | null {
    this.maybeFail('getProgress');
    return this.inner.getProgress(id);
  }
  private maybeFail(method: keyof ProgressTracker): void {
    if (this.failing.has(method)) throw new Error(`store unavailable during ${method}`);
  }
}

describe('nothing kills the worker', () => {
  let logged: MockInstance<Logger['error']>;
  beforeEach(() => {
    logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
  });

  it.each([
    [
      'throws an Error',
      () => {
        throw new Error('sync failure');
      },
      { name: 'Error', message: 'sync failure' },
    ],
    ['rejects', () => Promise.reject(new TypeError('async failure')), { name: 'TypeError', message: 'async failure' }],
    [
      'throws a string',
      () => {
        throw 'plain string'; // eslint-disable-line no-throw-literal
      },
      { name: 'NonError', message: 'plain string' },
    ],
    [
      'rejects with an object',
      () => Promise.reject({ code: 42 }),
      { name: 'NonError', message: 'a non-Error was thrown: an object (Object)' },
    ],
    ['rejects with undefined', () => Promise.reject(undefined), { name: 'NonError', message: 'a non-Error was thrown: undefined' }],
  ])('a job that %s is logged with its id, name and stack, recorded as failed, and the next job runs', async (_label, fn, error) => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const bad = await jobs.performWith({ name: 'bad-job' }, fn);
    const next = await jobs.perform(() => 'still working');
    expect(await jobs.waitFor(bad)).toMatchObject({ state: 'failed', error });
    expect(await jobs.waitFor(next)).toMatchObject({ state: 'completed', result: 'still working' });
    expect(logged).toHaveBeenCalledWith(
      expect.stringContaining(`Exception in async job ${bad} (bad-job)`),
      error.name === 'NonError' ? undefined : expect.stringContaining('Error'),
    );
  });

  it('a tracker whose setProgress and remove fail: logged, the job still completes and the next one runs', async () => {
    const tracker = new FlakyTracker();
    const app = await jobAppForTest({ tracker });
    const { jobs } = app;
    tracker.failing.add('setProgress');
    tracker.failing.add('remove');
    const id = await jobs.perform(async () => {
      await jobs.setProgress(10);
      return 'done';
    });
    expect(await jobs.waitFor(id)).toMatchObject({ state: 'completed', result: 'done' });
    expect(logged).toHaveBeenCalledWith(expect.stringContaining(`Progress tracker setProgress failed for job ${id}`), expect.any(String));
    expect(logged).toHaveBeenCalledWith(expect.stringContaining(`Progress tracker remove failed for job ${id}`), expect.any(String));
    tracker.failing.clear();
    const next = await jobs.perform(() => 'next');
    expect((await jobs.waitFor(next)).state).toBe('completed');
  });

  it('a tracker that cannot track: perform rejects with its error and the job is not accepted', async () => {
    const tracker = new FlakyTracker();
    const app = await jobAppForTest({ tracker });
    const { jobs } = app;
    tracker.failing.add('track');
    let ran = false;
    await expect(jobs.perform(() => void (ran = true))).rejects.toThrow('store unavailable during track');
    expect(jobs.stats()).toMatchObject({ queued: 0, running: 0 });
    await jobs.drain();
    expect(ran).toBe(false);
    tracker.failing.clear();
    const id = await jobs.perform(() => 'recovered');
    expect((await jobs.waitFor(id)).result).toBe('recovered');
  });

  it('a custom tracker with only the four methods still gets statuses (kept in memory)', async () => {
    const tracker = new FlakyTracker();
    const app = await jobAppForTest({ tracker });
    const { jobs } = app;
    const id = await jobs.perform(() => 7);
    expect(await jobs.waitFor(id)).toMatchObject({ state: 'completed', result: 7 });
    expect(await jobs.getStatus(id)).toMatchObject({ state: 'completed' });
    expect(tracker.inner.getProgress(id)).toBeNull();
  });

  it('a getProgress failure reaches the reader, not the worker', async () => {
    const tracker = new FlakyTracker();
    const app = await jobAppForTest({ tracker });
    tracker.failing.add('getProgress');
    const id = await app.jobs.perform(() => 1);
    await expect(app.jobs.getProgress(id)).rejects.toThrow('store unavailable during getProgress');
    expect((await app.jobs.waitFor(id)).state).toBe('completed');
  });
});
