import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, NotInJobError } from 'nestjs-asyncjob';
import { jobAppForTest, gate, until } from '../../helpers/job-app.js';

describe('setProgress and getProgress: -1 while queued, the value while running, null once finished', () => {
  it('reads (-1, null) while queued and while running before the first report, (value, data) after, null once finished', async () => {
    const app = await jobAppForTest({ paused: true });
    const { jobs } = app;
    const started = gate();
    const reported = gate();
    const finish = gate();
    const id = await jobs.perform(async () => {
      started.open();
      await reported.promise;
      await jobs.setProgress(3, { step: 'transcode' });
      await finish.promise;
    });
    expect(await jobs.getProgress(id)).toEqual({ value: -1, data: null });
    jobs.resume();
    await started.promise;
    expect(await jobs.getProgress(id)).toEqual({ value: -1, data: null });
    expect((await jobs.getStatus(id))?.state).toBe('running');
    reported.open();
    await until(async () => (await jobs.getProgress(id))?.value === 3, 'progress 3 is visible');
    expect(await jobs.getProgress(id)).toEqual({ value: 3, data: { step: 'transcode' } });
    finish.open();
    await jobs.waitFor(id);
    expect(await jobs.getProgress(id)).toBeNull();
  });

  it('reads null for a failed job and for an unknown id', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const id = await jobs.perform(() => {
      throw new Error('boom');
    });
    await jobs.waitFor(id);
    expect(await jobs.getProgress(id)).toBeNull();
    expect(await jobs.getProgress('asyncjob_00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('finds the current job across awaits, timers and nested promises', async () => {
    const app = await jobAppForTest({ concurrency: 2 });
    const { jobs } = app;
    const seen: Array<string | undefined> = [];
    const job = async (): Promise<void> => {
      seen.push(jobs.currentJobId());
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          void jobs.setProgress(1);
          seen.push(jobs.currentJobId());
          resolve();
        }, 1),
      );
      await Promise.all(
        [1, 2].map(async (n) => {
          await Promise.resolve();
          await jobs.setProgress(1 + n);
          seen.push(jobs.currentJobId());
        }),
      );
    };
    const a = await jobs.perform(job);
    const b = await jobs.perform(job);
    await jobs.drain();
    expect(seen.filter((id) => id === a)).toHaveLength(4);
    expect(seen.filter((id) => id === b)).toHaveLength(4);
    expect((await jobs.getStatus(a))?.progress.value).toBe(3);
  });

  it('throws NotInJobError outside a job, and currentJobId is undefined there', async () => {
    const app = await jobAppForTest();
    expect(() => app!.jobs.setProgress(1)).toThrow(NotInJobError);
    expect(() => app!.jobs.setProgress(1)).toThrow(/only be called inside a running job/);
    expect(app.jobs.currentJobId()).toBeUndefined();
    expect(app.jobs.currentJob()).toBeUndefined();
  });

  it.each([
    ['a fraction', 1.5, undefined, /finite integer, got 1.5/],
    ['NaN', Number.NaN, undefined, /finite integer, got NaN/],
    ['Infinity', Number.POSITIVE_INFINITY, undefined, /finite integer, got Infinity/],
    ['a string value', '5', undefined, /finite integer, got "5"/],
    ['a function in data', 1, { onDone: () => undefined }, /JSON-serialisable.*"onDone".*function/],
    ['a bigint in data', 1, { size: 10n }, /JSON-serialisable.*bigint/],
    ['NaN in data', 1, { ratio: Number.NaN }, /JSON-serialisable.*"ratio".*NaN/],
  ])('fails the job with an InvalidArgumentError for %s', async (_label, value, data, message) => {
    const app = await jobAppForTest();
    const { jobs } = app;
    let thrown: unknown;
    const id = await jobs.perform(async () => {
      try {
        await jobs.setProgress(value as number, data);
      } catch (error) {
        thrown = error;
        throw error;
      }
    });
    const status = await jobs.waitFor(id);
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as Error).message).toMatch(message);
    expect(status.state).toBe('failed');
    expect(status.error?.name).toBe('InvalidArgumentError');
  });

  it('rejects circular data with an InvalidArgumentError', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const id = await jobs.perform(() => jobs.setProgress(1, circular));
    const status = await jobs.waitFor(id);
    expect(status.error).toEqual({
      name: 'InvalidArgumentError',
      message: expect.stringMatching(/setProgress data must be JSON-serialisable/),
    });
  });

  it('returns copies: neither the job nor a reader can change what is stored', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const hold = gate();
    const reported = gate();
    const data = { files: ['a.mp4'] };
    const id = await jobs.perform(async () => {
      await jobs.setProgress(1, data);
      data.files.push('changed-by-job.mp4');
      reported.open();
      await hold.promise;
    });
    await reported.promise;
    const read = await jobs.getProgress(id);
    expect(read).toEqual({ value: 1, data: { files: ['a.mp4'] } });
    (read!.data as { files: string[] }).files.push('changed-by-reader.mp4');
    expect(await jobs.getProgress(id)).toEqual({ value: 1, data: { files: ['a.mp4'] } });
    expect((await jobs.getStatus(id))?.progress).toEqual({ value: 1, data: { files: ['a.mp4'] } });
    hold.open();
    await jobs.drain();
  });

  it('goes through JSON like every tracker: dates become strings, undefined properties vanish', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const hold = gate();
    const reported = gate();
    const id = await jobs.perform(async () => {
      await jobs.setProgress(7, { at: new Date('2026-01-02T03:04:05.000Z'), skipped: undefined, n: 1 });
      reported.open();
      await hold.promise;
    });
    await reported.promise;
    expect(await jobs.getProgress(id)).toEqual({ value: 7, data: { at: '2026-01-02T03:04:05.000Z', n: 1 } });
    hold.open();
    await jobs.drain();
  });

  it('rejects a non-string id with an InvalidArgumentError', async () => {
    const app = await jobAppForTest();
    const getProgress = app.jobs.getProgress as (id: unknown) => Promise<unknown>;
    await expect(getProgress.call(app.jobs, 42)).rejects.toThrow(/expects a job id string, got 42/);
    await expect(getProgress.call(app.jobs, 42)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
