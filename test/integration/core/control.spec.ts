import { firstValueFrom, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Logger } from '@nestjs/common';
import { JobCancelledError, JobFailedError, JobNotFoundError, JobTimeoutError, type JobEvent, type JobProgress } from 'nestjs-asyncjob';
import { jobAppForTest, gate, until } from '../../helpers/job-app.js';

describe('concurrency, cancel, timeout, retries, streams', () => {
  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
  });

  it.each([1, 3])('never runs more than concurrency=%i jobs at once, and starts them in FIFO order', async (concurrency) => {
    const app = await jobAppForTest({ concurrency });
    const { jobs } = app;
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    for (let i = 0; i < 30; i++) {
      await jobs.perform(async (n: number) => {
        started.push(n);
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, n % 4));
        running--;
      }, i);
    }
    await jobs.drain();
    expect(peak).toBe(concurrency);
    expect(started).toEqual([...Array(30).keys()]);
  });

  it('cancels a queued job: it never runs, its status is cancelled and its progress null', async () => {
    const app = await jobAppForTest({ paused: true });
    const { jobs } = app;
    let ran = false;
    const id = await jobs.perform(() => {
      ran = true;
    });
    const other = await jobs.perform(() => 'other');
    await expect(jobs.cancel(id)).resolves.toBe(true);
    jobs.resume();
    await jobs.drain();
    expect(ran).toBe(false);
    expect(await jobs.getStatus(id)).toMatchObject({ state: 'cancelled', attempts: 0, error: { name: 'JobCancelledError' } });
    expect(await jobs.getProgress(id)).toBeNull();
    expect((await jobs.getStatus(other))?.state).toBe('completed');
  });

  it('cancels a running job: its AbortSignal fires with a JobCancelledError and the next job runs', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const started = gate();
    let reason: unknown;
    const id = await jobs.perform(
      () =>
        new Promise<void>((resolve) => {
          const signal = jobs.currentJob()!.signal;
          signal.addEventListener('abort', () => {
            reason = signal.reason;
            resolve();
          });
          started.open();
        }),
    );
    const next = await jobs.perform(() => 'next');
    await started.promise;
    await expect(jobs.cancel(id)).resolves.toBe(true);
    expect(reason).toBeInstanceOf(JobCancelledError);
    expect((await jobs.waitFor(id)).state).toBe('cancelled');
    expect((await jobs.waitFor(next)).state).toBe('completed');
    await expect(jobs.cancel(id)).resolves.toBe(false);
    await expect(jobs.cancel('asyncjob_unknown')).resolves.toBe(false);
  });

  it('frees the slot of a cancelled job that ignores its signal, and drops its later progress', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const started = gate();
    const release = gate();
    const id = await jobs.perform(async () => {
      started.open();
      await release.promise;
      await jobs.setProgress(50);
    });
    const next = await jobs.perform(() => 'next');
    await started.promise;
    await jobs.cancel(id);
    expect((await jobs.waitFor(next)).state).toBe('completed');
    release.open();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await jobs.getStatus(id)).toMatchObject({ state: 'cancelled', progress: { value: -1 } });
  });

  it('fails a job that outruns its timeout with a JobTimeoutError and aborts its signal', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    let aborted: unknown;
    const id = await jobs.performWith({ timeout: 30 }, () => {
      const signal = jobs.currentJob()!.signal;
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve((aborted = signal.reason) as undefined)));
    });
    const status = await jobs.waitFor(id);
    expect(status).toMatchObject({ state: 'failed', error: { name: 'JobTimeoutError', message: `Job ${id} timed out after 30 ms` } });
    expect(aborted).toBeInstanceOf(JobTimeoutError);
  });

  it('applies defaultJobOptions.timeout to every job', async () => {
    const app = await jobAppForTest({ defaultJobOptions: { timeout: 20 } });
    const id = await app.jobs.perform(() => new Promise(() => undefined));
    expect((await app.jobs.waitFor(id)).error?.name).toBe('JobTimeoutError');
  });

  it('retries with exponential backoff when attempts > 1, then completes', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const events: JobEvent[] = [];
    jobs.events$.subscribe((event) => events.push(event));
    let calls = 0;
    const id = await jobs.performWith({ attempts: 3, backoff: { delay: 5, factor: 3 } }, () => {
      calls++;
      if (calls < 3) throw new Error(`flaky ${calls}`);
      return jobs.currentJob()!.attempt;
    });
    const status = await jobs.waitFor(id);
    expect(status).toMatchObject({ state: 'completed', attempts: 3, result: 3 });
    const retries = events.filter((event) => event.type === 'retrying');
    expect(retries.map((event) => event.type === 'retrying' && [event.attempt, event.delay, event.error.message])).toEqual([
      [2, 5, 'flaky 1'],
      [3, 15, 'flaky 2'],
    ]);
  });

  it('gives up after the last attempt and records the last error', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    let calls = 0;
    const id = await jobs.performWith({ attempts: 2, backoff: { delay: 1 } }, () => {
      throw new Error(`attempt ${++calls}`);
    });
    expect(await jobs.waitFor(id)).toMatchObject({ state: 'failed', attempts: 2, error: { message: 'attempt 2' } });
  });

  it('cancelling a job waiting for its retry stops it for good', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    let calls = 0;
    const id = await jobs.performWith({ attempts: 5, backoff: { delay: 60_000 } }, () => {
      calls++;
      throw new Error('fails');
    });
    await until(
      async () => (await jobs.getStatus(id))?.attempts === 1 && (await jobs.getStatus(id))?.state === 'queued',
      'the retry waits',
    );
    await jobs.cancel(id);
    await jobs.drain();
    expect(calls).toBe(1);
    expect((await jobs.getStatus(id))?.state).toBe('cancelled');
  });

  it('progress$ streams the current value, each update, and completes with the job', async () => {
    const app = await jobAppForTest({ paused: true });
    const { jobs } = app;
    const id = await jobs.perform(async () => {
      for (let i = 1; i <= 3; i++) await jobs.setProgress(i * 10, { step: i });
    });
    const seen = firstValueFrom(jobs.progress$(id).pipe(toArray()));
    jobs.resume();
    expect(await seen).toEqual<JobProgress[]>([
      { value: -1, data: null },
      { value: 10, data: { step: 1 } },
      { value: 20, data: { step: 2 } },
      { value: 30, data: { step: 3 } },
    ]);
  });

  it('progress$ errors with JobFailedError when the job fails, JobCancelledError when cancelled, JobNotFoundError when unknown', async () => {
    const app = await jobAppForTest({ paused: true });
    const { jobs } = app;
    const failing = await jobs.perform(() => {
      throw new Error('decoder crashed');
    });
    const cancelled = await jobs.perform(() => undefined);
    // Both expectations hold their promise before anything can reject it.
    const failed = expect(firstValueFrom(jobs.progress$(failing).pipe(toArray()))).rejects.toThrow(/Job .* failed: Error: decoder crashed/);
    const cancelledWith = expect(firstValueFrom(jobs.progress$(cancelled).pipe(toArray()))).rejects.toBeInstanceOf(JobCancelledError);
    await jobs.cancel(cancelled);
    jobs.resume();
    await failed;
    await cancelledWith;
    await expect(firstValueFrom(jobs.progress$('asyncjob_unknown'))).rejects.toBeInstanceOf(JobNotFoundError);
    // A finished job's stream ends at once the same way.
    await expect(firstValueFrom(jobs.progress$(failing))).rejects.toThrow(JobFailedError);
  });

  it('events$ reports every lifecycle step in order', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const events: string[] = [];
    jobs.events$.subscribe((event) => events.push(`${event.type}:${event.name}`));
    const ok = await jobs.perform(async function encode() {
      await jobs.setProgress(1);
    });
    await jobs.waitFor(ok);
    const bad = await jobs.perform(function broken() {
      throw new Error('x');
    });
    await jobs.waitFor(bad);
    expect(events).toEqual([
      'queued:encode',
      'started:encode',
      'progress:encode',
      'completed:encode',
      'queued:broken',
      'started:broken',
      'failed:broken',
    ]);
  });

  it('drain resolves only when nothing is queued or running; pause holds jobs back until resume', async () => {
    const app = await jobAppForTest({ concurrency: 2 });
    const { jobs } = app;
    await expect(jobs.drain()).resolves.toBeUndefined();
    jobs.pause();
    let done = 0;
    for (let i = 0; i < 5; i++) await jobs.perform(() => void done++);
    expect(jobs.stats()).toEqual({ queued: 5, running: 0, paused: true, accepting: true });
    let drained = false;
    const drain = jobs.drain().then(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(drained).toBe(false);
    expect(done).toBe(0);
    jobs.resume();
    await drain;
    expect(done).toBe(5);
    expect(jobs.stats()).toEqual({ queued: 0, running: 0, paused: false, accepting: true });
  });
});
