import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidOptionError, QueueFullError } from 'nestjs-asyncjob';
import { jobAppForTest, gate } from '../../helpers/job-app.js';

describe('perform', () => {
  it('resolves to a unique asyncjob_<uuid v4> id before the job runs', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const release = gate();
    let ran = false;
    const first = await jobs.perform(async () => {
      await release.promise;
      ran = true;
    });
    expect(first).toMatch(/^asyncjob_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ran).toBe(false);
    const ids = new Set([first]);
    for (let i = 0; i < 200; i++) ids.add(await jobs.perform(() => undefined));
    expect(ids.size).toBe(201);
    release.open();
    await jobs.drain();
    expect(ran).toBe(true);
  });

  it("never starts the job in the caller's turn: a CPU-bound job cannot hold up the caller's response", async () => {
    const app = await jobAppForTest({ concurrency: 4 });
    const { jobs } = app;
    let started = false;
    const id = await jobs.perform(() => {
      started = true;
    });
    // The caller has its id and its own promise continuations have run; the job waits for a later turn.
    await Promise.resolve();
    expect(started).toBe(false);
    await jobs.waitFor(id);
    expect(started).toBe(true);
  });

  it('runs sync and async functions with their arguments and keeps the result', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const sync = await jobs.perform((a: number, b: string) => `${b}${a * 2}`, 21, 'x');
    const async = await jobs.perform(
      async (items: number[]) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return { total: items.reduce((sum, n) => sum + n, 0) };
      },
      [1, 2, 3],
    );
    expect((await jobs.waitFor(sync)).result).toBe('x42');
    expect((await jobs.waitFor(async)).result).toEqual({ total: 6 });
  });

  it('names a job after its function, or the name option', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    function resizeThumbnail(): void {}
    const named = await jobs.perform(resizeThumbnail);
    const anonymous = await jobs.perform(() => undefined);
    const optioned = await jobs.performWith({ name: 'reports.monthly' }, () => undefined);
    await jobs.drain();
    expect((await jobs.getStatus(named))?.name).toBe('resizeThumbnail');
    expect((await jobs.getStatus(anonymous))?.name).toBe('anonymous');
    expect((await jobs.getStatus(optioned))?.name).toBe('reports.monthly');
  });

  it.each([
    ['a string', 'not a function', /got "not a function"/],
    ['undefined', undefined, /got undefined/],
    ['an object', { run() {} }, /got an object \(Object\)/],
  ])('rejects %s with an InvalidArgumentError naming what was passed', async (_label, value, message) => {
    const app = await jobAppForTest();
    const perform = app.jobs.perform as (fn: unknown) => Promise<string>;
    await expect(perform.call(app.jobs, value)).rejects.toThrow(InvalidArgumentError);
    await expect(perform.call(app.jobs, value)).rejects.toMatchObject({
      code: 'ASYNCJOB_INVALID_ARGUMENT',
      argument: 'AsyncJobService.perform fn',
    });
    await expect(perform.call(app.jobs, value)).rejects.toThrow(message);
    expect(app.jobs.stats()).toEqual({ queued: 0, running: 0, paused: false, accepting: true });
  });

  it('rejects bad per-job options with an error naming the option', async () => {
    const app = await jobAppForTest();
    await expect(app.jobs.performWith({ timeout: -5 }, () => undefined)).rejects.toThrow(InvalidOptionError);
    await expect(app.jobs.performWith({ attempts: 0 }, () => undefined)).rejects.toThrow(/"attempts".*got 0/);
    await expect(app.jobs.performWith({ name: '' }, () => undefined)).rejects.toThrow(/"name"/);
  });

  it('works from inside another job, and the inner job runs after the outer one', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const order: string[] = [];
    let innerId = '';
    const outerId = await jobs.perform(async () => {
      innerId = await jobs.perform(() => {
        order.push('inner');
        return jobs.currentJobId();
      });
      order.push('outer');
    });
    await jobs.drain();
    expect(order).toEqual(['outer', 'inner']);
    expect(innerId).not.toBe(outerId);
    expect((await jobs.getStatus(innerId))?.result).toBe(innerId);
  });

  it("runs the job in a fresh async context: the caller's AsyncLocalStorage stores do not leak in", async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const requestStore = new AsyncLocalStorage<{ user: string }>();
    const id = await requestStore.run({ user: 'alice' }, () =>
      jobs.perform(async () => {
        await Promise.resolve();
        return requestStore.getStore() ?? 'no store';
      }),
    );
    expect((await jobs.waitFor(id)).result).toBe('no store');
    // The caller itself still sees its store: the job did not clear it either.
    expect(requestStore.run({ user: 'bob' }, () => requestStore.getStore())).toEqual({ user: 'bob' });
  });

  it('with maxQueued, rejects with a QueueFullError past the limit and accepts again once jobs start', async () => {
    const app = await jobAppForTest({ maxQueued: 2, paused: true });
    const { jobs } = app;
    await jobs.perform(() => undefined);
    await jobs.perform(() => undefined);
    const rejected = jobs.perform(() => undefined);
    await expect(rejected).rejects.toBeInstanceOf(QueueFullError);
    await expect(rejected).rejects.toThrow(/2 jobs are already waiting/);
    expect(jobs.stats().queued).toBe(2);
    jobs.resume();
    await jobs.drain();
    await expect(jobs.perform(() => undefined)).resolves.toMatch(/^asyncjob_/);
  });
});
