import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobCancelledError, MemoryProgressTracker, ShuttingDownError } from 'nestjs-asyncjob';
import { createJobApp, gate, until } from '../../helpers/job-app.js';

describe('graceful shutdown', () => {
  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('close() waits for running and queued jobs that finish within shutdownTimeout', async () => {
    const app = await createJobApp({ shutdownTimeout: 30_000 });
    const { jobs } = app;
    const started = gate();
    const release = gate();
    const slow = await jobs.perform(async () => {
      started.open();
      await release.promise;
      return 'slow';
    });
    const queued = await jobs.perform(() => 'queued');
    await started.promise;
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    release.open();
    await closing;
    expect(await jobs.getStatus(slow)).toMatchObject({ state: 'completed', result: 'slow' });
    expect(await jobs.getStatus(queued)).toMatchObject({ state: 'completed', result: 'queued' });
  });

  it('refuses new jobs once shutdown has begun', async () => {
    const app = await createJobApp();
    const release = gate();
    await app.jobs.perform(() => release.promise);
    const closing = app.close();
    await until(() => !app.jobs.stats().accepting, 'shutdown has begun');
    await expect(app.jobs.perform(() => undefined)).rejects.toBeInstanceOf(ShuttingDownError);
    await expect(app.jobs.perform(() => undefined)).rejects.toThrow(/shutting down: no new jobs are accepted/);
    release.open();
    await closing;
    await expect(app.jobs.perform(() => undefined)).rejects.toBeInstanceOf(ShuttingDownError);
  });

  it('after the grace period, aborts running jobs, interrupts queued ones, logs their ids and leaves no ghost', async () => {
    const tracker = new MemoryProgressTracker();
    const app = await createJobApp({ shutdownTimeout: 50, tracker });
    const { jobs } = app;
    const warn = vi.mocked(Logger.prototype.warn);
    const started = gate();
    let reason: unknown;
    let queuedRan = false;
    const stuck = await jobs.perform(async function stuckTranscode() {
      const signal = jobs.currentJob()!.signal;
      await jobs.setProgress(40);
      started.open();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve((reason = signal.reason) as undefined)));
    });
    const waiting = await jobs.perform(() => void (queuedRan = true));
    await started.promise;
    await app.close();
    expect(reason).toBeInstanceOf(JobCancelledError);
    expect(queuedRan).toBe(false);
    for (const id of [stuck, waiting]) {
      expect(await jobs.getStatus(id)).toMatchObject({ state: 'interrupted', error: { name: 'JobCancelledError' } });
      expect(await jobs.getProgress(id)).toBeNull();
    }
    expect(await jobs.getStatus(stuck)).toMatchObject({ progress: { value: 40 } });
    expect(tracker.size).toMatchObject({ progress: 0, active: 0 });
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(new RegExp(`2 job\\(s\\) did not finish within 50 ms.*${stuck} \\(stuckTranscode\\).*${waiting}`)),
    );
  });

  it('a job waiting for a retry at shutdown is interrupted, not left behind', async () => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const app = await createJobApp({ shutdownTimeout: 10 });
    const { jobs } = app;
    const id = await jobs.performWith({ attempts: 3, backoff: { delay: 60_000 } }, () => {
      throw new Error('try later');
    });
    await new Promise<void>((resolve) => {
      const sub = jobs.events$.subscribe((event) => event.type === 'retrying' && (sub.unsubscribe(), resolve()));
    });
    await app.close();
    expect(await jobs.getStatus(id)).toMatchObject({ state: 'interrupted', attempts: 1 });
  });

  it('close() with nothing to do returns at once, and events$ completes', async () => {
    const app = await createJobApp({ shutdownTimeout: 60_000 });
    let completed = false;
    app.jobs.events$.subscribe({ complete: () => (completed = true) });
    await app.close();
    expect(completed).toBe(true);
  });
});
