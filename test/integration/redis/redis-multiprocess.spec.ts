import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress, JobStatus } from 'nestjs-asyncjob';
import { until } from '../../helpers/job-app.js';
import { TrackerChildApp } from '../../helpers/tracker-child-app.js';
import { REDIS_DB, REDIS_PORT, deletePrefix, requireRedis, uniquePrefix } from './redis-support.js';

/** The values a stream went through, without the repeats a change of state alone causes. */
function distinctValues(values: readonly JobProgress[]): JobProgress[] {
  return values.filter((value, i) => i === 0 || JSON.stringify(value) !== JSON.stringify(values[i - 1]));
}

/**
 * Two real processes, each running the fixture Nest app with a
 * RedisProgressTracker on the same prefix: A runs the jobs, B only reads.
 */
describe('RedisProgressTracker across two processes', () => {
  const keyPrefix = uniquePrefix('processes');
  let redis: Redis;
  let a: TrackerChildApp | undefined;
  let b: TrackerChildApp | undefined;

  beforeAll(async () => {
    redis = await requireRedis();
    const env = { REDIS_PORT: String(REDIS_PORT), REDIS_DB: String(REDIS_DB), KEY_PREFIX: keyPrefix };
    [a, b] = await Promise.all([TrackerChildApp.start('A', 'redis', { ...env, PAUSED: '1' }), TrackerChildApp.start('B', 'redis', env)]);
  }, 90_000);

  afterAll(async () => {
    // Each process must exit by itself once its app is closed: no connection left open.
    const codes = await Promise.all([a?.close(), b?.close()]);
    await Promise.all([a?.kill(), b?.kill()]);
    await deletePrefix(redis, keyPrefix);
    redis?.disconnect();
    expect(codes).toStrictEqual([0, 0]);
  }, 30_000);

  it('shows a job started in A to B: read, awaited and streamed from queued to running with progress to completed', async () => {
    const owner = a!;
    const reader = b!;
    const id = (await owner.request('startReport', { title: 'Q3 sales' })) as string;

    expect(await reader.request('getProgress', { id })).toStrictEqual({ value: -1, data: null });
    expect(await reader.request('getStatus', { id })).toMatchObject({ id, name: 'report.build', state: 'queued', attempts: 0 });
    const stream = await reader.stream(id);
    const finished = reader.request('waitFor', { id }) as Promise<JobStatus>;
    await reader.until(() => stream.values.length >= 1, 'the stream starts');

    await owner.request('resume', {});
    await until(async () => ((await reader.request('getStatus', { id })) as JobStatus).state === 'running', 'B sees the job running');
    expect(await reader.request('getStatus', { id })).toMatchObject({ state: 'running', attempts: 1, progress: { value: -1, data: null } });
    expect(await reader.request('getProgress', { id })).toStrictEqual({ value: -1, data: null });

    for (let step = 1; step <= 3; step++) {
      await owner.request('open', { id, step });
      await reader.until(() => stream.values.some((progress) => progress.value === step), `B streams step ${step}`);
      if (step < 3) {
        expect(await reader.request('getProgress', { id })).toStrictEqual({ value: step, data: { step, title: 'Q3 sales' } });
        expect(await reader.request('getStatus', { id })).toMatchObject({
          state: 'running',
          progress: { value: step, data: { step, title: 'Q3 sales' } },
        });
      }
    }

    const final = await finished;
    expect(final).toMatchObject({
      id,
      state: 'completed',
      attempts: 1,
      progress: { value: 3, data: { step: 3, title: 'Q3 sales' } },
      result: { title: 'Q3 sales', pages: 3 },
    });
    await reader.until(() => stream.completed, 'the stream completes');
    expect(stream.error).toBeUndefined();
    expect(distinctValues(stream.values)).toStrictEqual([
      { value: -1, data: null },
      { value: 1, data: { step: 1, title: 'Q3 sales' } },
      { value: 2, data: { step: 2, title: 'Q3 sales' } },
      { value: 3, data: { step: 3, title: 'Q3 sales' } },
    ]);
    expect(await reader.request('getProgress', { id })).toBeNull();
    expect(await reader.request('getStatus', { id })).toStrictEqual(final);
    expect(await owner.request('getStatus', { id })).toStrictEqual(final);
  });

  it("shows a failed job's error in B: in getStatus, waitFor and as the stream's error", async () => {
    const owner = a!;
    const reader = b!;
    const id = (await owner.request('startFailing', {})) as string;
    const stream = await reader.stream(id);
    const finished = reader.request('waitFor', { id }) as Promise<JobStatus>;
    await reader.until(() => stream.values.some((progress) => progress.value === 1), 'B streams the progress before the failure');

    await owner.request('open', { id, step: 1 });
    const final = await finished;
    expect(final).toMatchObject({
      id,
      name: 'report.fail',
      state: 'failed',
      error: { name: 'RangeError', message: 'payment declined: card expired' },
    });
    await reader.until(() => stream.error !== undefined, 'the stream fails');
    expect(stream.error).toStrictEqual({ name: 'JobFailedError', message: `Job ${id} failed: RangeError: payment declined: card expired` });
    expect(stream.completed).toBe(false);
    expect(await reader.request('getStatus', { id })).toStrictEqual(final);
    expect(await reader.request('getProgress', { id })).toBeNull();
  });
});
