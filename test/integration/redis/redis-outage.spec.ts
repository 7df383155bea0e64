import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TrackerUnavailableError } from 'nestjs-asyncjob';
import { RedisProgressTracker } from 'nestjs-asyncjob/redis';
import { createJobApp, gate, until, type JobApp } from '../../helpers/job-app.js';
import { freePort } from '../../helpers/free-port.js';
import { RedisServer } from '../../helpers/redis-server.js';
import { REDIS_HOST } from './redis-support.js';

/**
 * Outages, played on redis-servers of the tests' own (never the shared one):
 * stopped with SIGKILL, started again on the same port.
 */
describe('RedisProgressTracker when Redis goes away', () => {
  let server: RedisServer | undefined;
  const apps: JobApp[] = [];
  const trackers: RedisProgressTracker[] = [];
  let errors: string[];
  let logs: string[];

  function tracker(port: number): RedisProgressTracker {
    // A long command timeout: calls must fail fast without waiting for it.
    const created = new RedisProgressTracker({ host: REDIS_HOST, port, db: 0, commandTimeout: 30_000, flushInterval: 20 });
    trackers.push(created);
    return created;
  }

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  beforeEach(() => {
    errors = [];
    logs = [];
    vi.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
    vi.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => void logs.push(String(message)));
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const created of trackers.splice(0)) await created.close();
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('keeps jobs running, fails calls fast with TrackerUnavailableError, logs the outage once, and recovers without a restart', async () => {
    const redis = server!;
    const owner = tracker(redis.port);
    const app = await createJobApp({ tracker: owner });
    apps.push(app);
    const { jobs } = app;
    const outage = gate();
    const ending = gate();
    const id = await jobs.perform(async () => {
      await jobs.setProgress(1, 'before');
      await outage.promise;
      for (let value = 100; value < 200; value++) await jobs.setProgress(value, { during: 'outage' });
      await ending.promise;
      return 'survived';
    });
    await until(async () => (await jobs.getProgress(id))?.value === 1, 'the first progress is written');

    await redis.stop();
    await until(() => owner.client.status !== 'ready', 'the tracker notices that Redis is gone');

    const started = Date.now();
    const failures = await Promise.allSettled([
      jobs.getProgress(id),
      jobs.getStatus('asyncjob_00000000-0000-4000-8000-000000000000'),
      jobs.perform(() => 'never accepted'),
      ...Array.from({ length: 50 }, () => jobs.getProgress(id)),
    ]);
    // Far below the 30 s command timeout: nothing waited in an offline queue.
    expect(Date.now() - started).toBeLessThan(5000);
    for (const failure of failures) {
      expect(failure.status).toBe('rejected');
      const reason = (failure as PromiseRejectedResult).reason as TrackerUnavailableError;
      expect(reason).toBeInstanceOf(TrackerUnavailableError);
      expect(reason.message).toContain(`Redis at ${REDIS_HOST}:${redis.port}`);
    }

    // The running job goes on, reporting through the outage, and finishes.
    outage.open();
    ending.open();
    const final = await jobs.waitFor(id);
    expect(final).toMatchObject({ state: 'completed', result: 'survived', progress: { value: 199, data: { during: 'outage' } } });
    const outageErrors = errors.filter((message) => message.includes(`${REDIS_HOST}:${redis.port}`));
    expect(outageErrors, outageErrors.join('\n')).toHaveLength(2);
    expect(outageErrors.filter((message) => message.startsWith('Lost the connection'))).toHaveLength(1);
    expect(outageErrors.filter((message) => message.startsWith('Progress tracker unavailable'))).toHaveLength(1);

    // Redis returns: the job that finished meanwhile is reported finished, new jobs run, nothing restarted.
    await redis.start();
    await until(() => owner.client.status === 'ready', 'the tracker reconnects', 15_000);
    const reader = tracker(redis.port);
    await until(async () => (await reader.getStatus(id))?.state === 'completed', 'the final status is replayed');
    expect(await reader.getStatus(id)).toStrictEqual(final);
    expect(await reader.getProgress(id)).toBeNull();
    const next = await jobs.perform(async () => {
      await jobs.setProgress(5, 'after');
      return 'after';
    });
    expect(await jobs.waitFor(next)).toMatchObject({ state: 'completed', result: 'after' });
    expect(await reader.getStatus(next)).toMatchObject({ state: 'completed', result: 'after', progress: { value: 5, data: 'after' } });
    expect(logs.filter((message) => message.includes('reachable again'))).toHaveLength(1);
    expect(logs.filter((message) => message === 'Progress tracker is available again')).toHaveLength(1);
    expect(errors.filter((message) => message.includes(`${REDIS_HOST}:${redis.port}`))).toHaveLength(2);
  });

  it('starts without Redis, rejects perform with a clear error, and works once Redis comes up', async () => {
    const port = await freePort();
    const owner = tracker(port);
    const app = await createJobApp({ tracker: owner });
    apps.push(app);
    const refused = app.jobs.perform(() => 'early');
    await expect(refused).rejects.toBeInstanceOf(TrackerUnavailableError);
    await expect(refused).rejects.toThrow(`Progress tracker unavailable: Redis at ${REDIS_HOST}:${port} (db 0) could not serve track`);
    expect(errors.filter((message) => message.startsWith(`Cannot connect to Redis at ${REDIS_HOST}:${port}`))).toHaveLength(1);

    const late = await RedisServer.startOn(port);
    try {
      await until(() => owner.client.status === 'ready', 'the tracker connects', 15_000);
      const id = await app.jobs.perform(() => 'late');
      expect(await app.jobs.waitFor(id)).toMatchObject({ state: 'completed', result: 'late' });
      expect(logs.filter((message) => message.includes('reachable again'))).toHaveLength(1);
    } finally {
      await late.stop();
    }
  });
});
