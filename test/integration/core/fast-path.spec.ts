import { describe, expect, it } from 'vitest';
import { MemoryProgressTracker, PROGRESS_TRACKER, type JobStatus, type ProgressTracker } from 'nestjs-asyncjob';
import { jobAppForTest, gate, until } from '../../helpers/job-app.js';

/** Busy-waits `micros` µs: a job that holds the event loop, as CPU-bound work does. */
function spin(micros: number): void {
  const until = performance.now() + micros / 1000;
  while (performance.now() < until);
}

function finished(id: string, finishedAt: number, result?: unknown): JobStatus {
  return {
    id,
    name: 'job',
    state: 'completed',
    progress: { value: 100, data: null },
    attempts: 1,
    enqueuedAt: 1,
    startedAt: 2,
    finishedAt,
    result,
  };
}

describe('the synchronous path of trivial jobs', () => {
  it('lets timers run while a long backlog of synchronous jobs drains', async () => {
    const app = await jobAppForTest({ concurrency: 1 });
    const { jobs } = app;
    let ran = 0;
    const total = 3_000;
    for (let i = 0; i < total; i++) {
      // 3 000 × 50 µs: 150 ms of jobs that never await.
      void jobs.perform(() => {
        spin(50);
        ran++;
      });
    }
    const ranWhenTimerFired = await new Promise<number>((resolve) => setTimeout(() => resolve(ran), 1));
    await jobs.drain();
    expect(ran).toBe(total);
    expect(ranWhenTimerFired).toBeGreaterThan(0);
    expect(ranWhenTimerFired).toBeLessThan(total);
  });

  it('keeps each job in its own context when synchronous jobs run back to back', async () => {
    const app = await jobAppForTest({ concurrency: 2 });
    const { jobs } = app;
    const seen = new Map<string, string | undefined>();
    const ids = await Promise.all(
      Array.from({ length: 50 }, () =>
        jobs.perform(() => {
          seen.set(jobs.currentJobId()!, jobs.currentJobId());
        }),
      ),
    );
    await jobs.drain();
    expect(seen.size).toBe(50);
    for (const id of ids) expect(seen.get(id)).toBe(id);
  });

  it('keeps the context of a function still running after its attempt timed out, though the module has nothing left', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    let afterTimeout: string | undefined;
    let resumed!: () => void;
    const done = new Promise<void>((resolve) => (resumed = resolve));
    const id = await jobs.performWith({ timeout: 20 }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 80));
      afterTimeout = jobs.currentJobId();
      resumed();
    });
    expect(await jobs.waitFor(id)).toMatchObject({ state: 'failed', error: { name: 'JobTimeoutError' } });
    await jobs.drain();
    await done;
    expect(afterTimeout).toBe(id);
  });

  it('stops carrying job contexts once no job function runs, so later promises of the app pay no hook', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const read: Array<string | undefined> = [];
    let own = '';
    await jobs.perform(() => {
      own = jobs.currentJobId()!;
      // Left behind by a job that has returned: by the time it fires, no job function runs.
      setTimeout(() => read.push(jobs.currentJobId()), 20);
    });
    await jobs.drain();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(own).toMatch(/^asyncjob_/);
    expect(read).toStrictEqual([undefined]);
  });

  it('finds each active job by id, whether it ended before anyone looked it up or after', async () => {
    const app = await jobAppForTest({ paused: true, concurrency: 4 });
    const { jobs } = app;
    // Never looked up while active: they leave the (lazily built) index unseen.
    const unseen = await Promise.all(Array.from({ length: 3000 }, (_, i) => jobs.perform(() => i)));
    jobs.resume();
    await jobs.drain();
    expect(jobs.stats().queued).toBe(0);
    expect(await jobs.getStatus(unseen[1234]!)).toMatchObject({ state: 'completed', result: 1234 });

    jobs.pause();
    const seen = await Promise.all(Array.from({ length: 3000 }, (_, i) => jobs.perform(() => `seen ${i}`)));
    // A lookup indexes them all; cancels then take indexed jobs out.
    expect(await jobs.getStatus(seen[0]!)).toMatchObject({ state: 'queued' });
    for (const id of seen.slice(0, 1000)) expect(await jobs.cancel(id)).toBe(true);
    // Gone from the index too: a finished job has no progress.
    expect(await jobs.getProgress(seen[0]!)).toBeNull();
    const later = await Promise.all(Array.from({ length: 2000 }, (_, i) => jobs.perform(() => `later ${i}`)));
    expect(jobs.stats().queued).toBe(4000);
    expect(await jobs.getStatus(later[1999]!)).toMatchObject({ state: 'queued' });
    jobs.resume();
    await jobs.drain();
    expect(await jobs.getStatus(seen[999]!)).toMatchObject({ state: 'cancelled' });
    expect(await jobs.getStatus(seen[1000]!)).toMatchObject({ state: 'completed', result: 'seen 1000' });
    expect(await jobs.getStatus(later[1999]!)).toMatchObject({ state: 'completed', result: 'later 1999' });
    expect(await jobs.getProgress(later[1999]!)).toBeNull();
  });

  it('still finds the jobs left active after most of a long run ended unseen', async () => {
    const app = await jobAppForTest({ concurrency: 8 });
    const { jobs } = app;
    const release = gate();
    const held: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const id = await jobs.perform(i % 500 === 0 ? () => release.promise : () => i);
      if (i % 500 === 0) held.push(id);
    }
    await until(() => jobs.stats().queued + jobs.stats().running === held.length, 'all but the held jobs have ended');
    // Arrivals past this point tidy the list of jobs not yet indexed; the held ones must survive that.
    const extra = await Promise.all(Array.from({ length: 10 }, (_, i) => jobs.perform(() => `extra ${i}`)));
    for (const id of held) expect(await jobs.getStatus(id)).toMatchObject({ state: 'running' });
    release.open();
    await jobs.drain();
    for (const id of [...held, ...extra]) expect(await jobs.getStatus(id)).toMatchObject({ state: 'completed' });
  });

  it('records a synchronous throw as a failure and goes on with the next job', async () => {
    const app = await jobAppForTest({ concurrency: 1 });
    const { jobs } = app;
    const failing = await jobs.perform(() => {
      throw new Error('bad frame');
    });
    const next = await jobs.perform(() => 'ok');
    await jobs.drain();
    expect(await jobs.getStatus(failing)).toMatchObject({ state: 'failed', error: { message: 'bad frame' } });
    expect(await jobs.getStatus(next)).toMatchObject({ state: 'completed', result: 'ok' });
  });

  it('answers progress through the default tracker injected as PROGRESS_TRACKER while the job runs, and null once it is done', async () => {
    const app = await jobAppForTest();
    const { jobs, moduleRef } = app;
    const tracker = moduleRef.get<ProgressTracker>(PROGRESS_TRACKER);
    const release = gate();
    const reported = gate();
    const id = await jobs.perform(async () => {
      await jobs.setProgress(40, { frame: 96 });
      reported.open();
      await release.promise;
    });
    expect(await tracker.getProgress(id)).toEqual({ value: -1, data: null });
    await reported.promise;
    expect(await tracker.getProgress(id)).toEqual({ value: 40, data: { frame: 96 } });
    expect(await jobs.getProgress(id)).toEqual({ value: 40, data: { frame: 96 } });
    release.open();
    await jobs.waitFor(id);
    expect(await tracker.getProgress(id)).toBeNull();
    expect(await jobs.getProgress(id)).toBeNull();
  });

  it('still writes every change to a memory tracker the application gave, which another module may read', async () => {
    const shared = new MemoryProgressTracker();
    const app = await jobAppForTest({ tracker: shared });
    const { jobs } = app;
    const release = gate();
    const reported = gate();
    const id = await jobs.perform(async () => {
      await jobs.setProgress(7);
      reported.open();
      await release.promise;
    });
    await reported.promise;
    expect(shared.size.progress).toBe(1);
    expect(shared.getProgress(id)).toEqual({ value: 7, data: null });
    release.open();
    await jobs.waitFor(id);
    expect(shared.size.progress).toBe(0);
    expect(shared.getStatus(id)).toMatchObject({ state: 'completed' });
  });
});

describe('MemoryProgressTracker finished statuses', () => {
  it('keeps at most maxRetained, forgetting the oldest first', () => {
    const tracker = new MemoryProgressTracker({ maxRetained: 3 });
    for (let i = 1; i <= 5; i++) tracker.saveStatus(finished(`job-${i}`, i), 60_000);
    expect(tracker.getStatus('job-1')).toBeNull();
    expect(tracker.getStatus('job-2')).toBeNull();
    expect(['job-3', 'job-4', 'job-5'].map((id) => tracker.getStatus(id)?.finishedAt)).toEqual([3, 4, 5]);
    expect(tracker.size.finished).toBe(3);
    // After a lookup has indexed them, eviction goes on from the oldest.
    tracker.saveStatus(finished('job-6', 6), 60_000);
    expect(tracker.getStatus('job-3')).toBeNull();
    expect(tracker.getStatus('job-6')?.finishedAt).toBe(6);
    expect(tracker.size.finished).toBe(3);
  });

  it('replaces a status saved again under the same id, whether or not it was looked up in between', () => {
    const tracker = new MemoryProgressTracker({ maxRetained: 10 });
    tracker.saveStatus(finished('twice', 1, 'first'), 60_000);
    tracker.saveStatus(finished('twice', 2, 'second'), 60_000);
    expect(tracker.getStatus('twice')).toMatchObject({ finishedAt: 2, result: 'second' });
    expect(tracker.size.finished).toBe(1);
    tracker.saveStatus(finished('twice', 3, 'third'), 60_000);
    expect(tracker.getStatus('twice')).toMatchObject({ finishedAt: 3, result: 'third' });
    expect(tracker.size.finished).toBe(1);
    tracker.saveStatus(finished('twice', 4), 0);
    expect(tracker.getStatus('twice')).toBeNull();
    expect(tracker.size.finished).toBe(0);
  });

  it('round-trips optional fields exactly: no startedAt, result or error where there was none', () => {
    const tracker = new MemoryProgressTracker();
    const never: JobStatus = {
      id: 'never-ran',
      name: 'job',
      state: 'cancelled',
      progress: { value: -1, data: null },
      attempts: 0,
      enqueuedAt: 5,
      finishedAt: 6,
      error: { name: 'JobCancelledError', message: 'cancelled' },
    };
    tracker.saveStatus(never, 60_000);
    expect(tracker.getStatus('never-ran')).toStrictEqual(never);
  });

  it('forgets a status once its retention has passed, and frees the slot for newer ones', async () => {
    const tracker = new MemoryProgressTracker({ maxRetained: 2 });
    tracker.saveStatus(finished('short', 1), 10);
    tracker.saveStatus(finished('long', 2), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 25));
    expect(tracker.getStatus('short')).toBeNull();
    tracker.saveStatus(finished('newer', 3), 60_000);
    expect(tracker.getStatus('long')?.finishedAt).toBe(2);
    expect(tracker.getStatus('newer')?.finishedAt).toBe(3);
  });
});
