import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TrackerUnavailableError } from 'nestjs-asyncjob';
import { PostgresProgressTracker } from 'nestjs-asyncjob/postgres';
import { createJobApp, gate, until, type JobApp } from '../../helpers/job-app.js';
import { freePort } from '../../helpers/free-port.js';
import { PostgresCluster } from '../../helpers/postgres-cluster.js';

const UNKNOWN = 'asyncjob_00000000-0000-4000-8000-000000000000';

/**
 * Outages, played on a PostgreSQL cluster of the test's own (never the
 * shared server): stopped in immediate mode (every connection drops at
 * once, as in a crash), started again on the same port.
 */
describe('PostgresProgressTracker when PostgreSQL goes away', () => {
  let cluster: PostgresCluster | undefined;
  const apps: JobApp[] = [];
  const trackers: PostgresProgressTracker[] = [];
  let errors: string[];
  let logs: string[];

  function tracker(url: string): PostgresProgressTracker {
    // A long command timeout: calls must fail fast without waiting for it.
    const created = new PostgresProgressTracker({ connectionString: url, commandTimeout: 30_000, flushInterval: 20 });
    trackers.push(created);
    return created;
  }

  beforeAll(async () => {
    cluster = await PostgresCluster.start();
  }, 60_000);
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
    await cluster?.destroy();
  });

  it('keeps jobs running, fails calls fast with TrackerUnavailableError, logs the outage once, and recovers without a restart', async () => {
    const server = cluster!;
    const where = `PostgreSQL at 127.0.0.1:${server.port} (database test)`;
    const owner = tracker(server.url);
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

    await server.stop();
    // The first call after the crash may be the one that finds out; every call after it fails at once.
    await until(
      async () => (await owner.getStatus(UNKNOWN).catch((error: unknown) => error)) instanceof TrackerUnavailableError,
      'the tracker notices that PostgreSQL is gone',
    );

    const started = Date.now();
    const failures = await Promise.allSettled([
      jobs.getProgress(id),
      jobs.getStatus(UNKNOWN),
      jobs.perform(() => 'never accepted'),
      ...Array.from({ length: 50 }, () => jobs.getProgress(id)),
    ]);
    // Far below the 30 s command timeout and the 5 s connect timeout: nothing tried to connect per call.
    expect(Date.now() - started).toBeLessThan(2000);
    for (const failure of failures) {
      expect(failure.status).toBe('rejected');
      const reason = (failure as PromiseRejectedResult).reason as TrackerUnavailableError;
      expect(reason).toBeInstanceOf(TrackerUnavailableError);
      expect(reason.message).toContain(where);
    }

    // The running job goes on, reporting through the outage, and finishes.
    outage.open();
    ending.open();
    const final = await jobs.waitFor(id);
    expect(final).toMatchObject({ state: 'completed', result: 'survived', progress: { value: 199, data: { during: 'outage' } } });
    const outageErrors = errors.filter((message) => message.includes(where));
    expect(outageErrors, outageErrors.join('\n')).toHaveLength(2);
    expect(outageErrors.filter((message) => message.startsWith('Lost the connection'))).toHaveLength(1);
    expect(outageErrors.filter((message) => message.startsWith('Progress tracker unavailable'))).toHaveLength(1);

    // PostgreSQL returns: the job that finished meanwhile is reported finished, new jobs run, nothing restarted.
    await server.start();
    const reader = tracker(server.url);
    await until(async () => (await reader.getStatus(id).catch(() => null))?.state === 'completed', 'the final status is replayed', 15_000);
    expect(await reader.getStatus(id)).toStrictEqual(final);
    expect(await reader.getProgress(id)).toBeNull();
    await until(
      async () =>
        await owner.getStatus(UNKNOWN).then(
          () => true,
          () => false,
        ),
      'the owner reconnects',
      15_000,
    );
    const next = await jobs.perform(async () => {
      await jobs.setProgress(5, 'after');
      return 'after';
    });
    expect(await jobs.waitFor(next)).toMatchObject({ state: 'completed', result: 'after' });
    expect(await reader.getStatus(next)).toMatchObject({ state: 'completed', result: 'after', progress: { value: 5, data: 'after' } });
    expect(logs.filter((message) => message.includes(`${where} is reachable again`))).toHaveLength(1);
    expect(logs.filter((message) => message === 'Progress tracker is available again')).toHaveLength(1);
    expect(errors.filter((message) => message.includes(where))).toHaveLength(2);
  }, 60_000);

  it('follows a job through an outage: the listener reconnects and waitFor sees the end', async () => {
    const server = cluster!;
    const owner = tracker(server.url);
    const follower = tracker(server.url);
    const ownerApp = await createJobApp({ tracker: owner });
    const followerApp = await createJobApp({ tracker: follower });
    apps.push(ownerApp, followerApp);
    const ending = gate();
    const id = await ownerApp.jobs.perform(async () => {
      await ending.promise;
      return 'done';
    });
    await until(async () => (await followerApp.jobs.getStatus(id))?.state === 'running', 'the follower sees the job running');
    const finished = followerApp.jobs.waitFor(id, { timeout: 30_000 });

    await server.stop();
    await server.start();
    // Wait until both trackers are back before the job ends, so its end is announced, not only found by the safety net.
    await until(async () => (await follower.getStatus(id).catch(() => null)) !== null, 'the follower reconnects', 15_000);
    await until(
      async () =>
        await owner.getStatus(UNKNOWN).then(
          () => true,
          () => false,
        ),
      'the owner reconnects',
      15_000,
    );
    ending.open();
    expect(await finished).toMatchObject({ id, state: 'completed', result: 'done' });
  }, 60_000);

  it('starts without PostgreSQL, rejects perform with a clear error, and works once PostgreSQL comes up', async () => {
    const port = await freePort();
    const owner = tracker(`postgresql://postgres@127.0.0.1:${port}/test`);
    const app = await createJobApp({ tracker: owner });
    apps.push(app);
    const refused = app.jobs.perform(() => 'early');
    await expect(refused).rejects.toBeInstanceOf(TrackerUnavailableError);
    await expect(refused).rejects.toThrow(
      `Progress tracker unavailable: PostgreSQL at 127.0.0.1:${port} (database test) could not serve track`,
    );
    expect(errors.filter((message) => message.startsWith(`Cannot connect to PostgreSQL at 127.0.0.1:${port}`))).toHaveLength(1);

    const late = await PostgresCluster.start(port);
    try {
      // The tracker finds the server by itself, makes its table there, and accepts jobs.
      await until(
        async () =>
          await owner.getStatus(UNKNOWN).then(
            () => true,
            () => false,
          ),
        'the tracker connects',
        15_000,
      );
      const id = await app.jobs.perform(() => 'late');
      expect(await app.jobs.waitFor(id)).toMatchObject({ state: 'completed', result: 'late' });
      expect(logs.filter((message) => message.includes('reachable again'))).toHaveLength(1);
    } finally {
      await late.destroy();
    }
  }, 60_000);
});
