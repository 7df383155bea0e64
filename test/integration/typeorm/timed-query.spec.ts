import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  InvalidArgumentError,
  InvalidOptionError,
  JobCancelledError,
  JobTimeoutError,
  ShuttingDownError,
  TimedQueryTimeoutError,
  type AsyncJobService,
  type IsolationLevel,
} from 'nestjs-asyncjob';
import { createJobApp, gate, until, type JobApp } from '../../helpers/job-app.js';
import { DATABASES, SERVER_DATABASES, useDatabase, type DatabaseFixture } from './databases.js';

const NEVER = 3_600_000;

describe('timedQuery', () => {
  let app: JobApp | undefined;

  async function open(options: Parameters<typeof createJobApp>[0] = {}): Promise<AsyncJobService> {
    app = await createJobApp({ concurrency: 2, ...options });
    return app.jobs;
  }

  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    vi.useRealTimers();
    await app?.close();
    app = undefined;
    vi.restoreAllMocks();
  });

  it('by default tries after 1 s, then 10 more times 6 s apart: 11 tries, 61 s at worst', async () => {
    const jobs = await open();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const start = Date.now();
    const tries: number[] = [];
    const result = jobs.timedQuery(() => {
      tries.push(Date.now() - start);
      return null;
    });
    await vi.advanceTimersByTimeAsync(60_999);
    expect(tries).toHaveLength(10);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toBeNull();
    expect(tries).toEqual([1000, 7000, 13_000, 19_000, 25_000, 31_000, 37_000, 43_000, 49_000, 55_000, 61_000]);
  });

  it('resolves to the result itself as soon as there is one: only null, undefined and [] mean not yet', async () => {
    const jobs = await open();
    const answers: unknown[] = [null, undefined, [], 0, 'too late'];
    let tries = 0;
    expect(await jobs.timedQuery(async () => answers[tries++], { initialDelay: 0, interval: 0, retries: 9 })).toBe(0);
    expect(tries).toBe(4);
    const row = { id: 1 };
    expect(await jobs.timedQuery(() => Promise.resolve([row]), { initialDelay: 0 })).toEqual([row]);
  });

  it('resolves to null when the retries run out, or rejects with TimedQueryTimeoutError with throwOnTimeout', async () => {
    const jobs = await open();
    let tries = 0;
    const none = (): null => {
      tries++;
      return null;
    };
    expect(await jobs.timedQuery(none, { initialDelay: 0, interval: 0, retries: 3 })).toBeNull();
    expect(tries).toBe(4);
    const timeout = jobs.timedQuery(none, { initialDelay: 0, interval: 0, retries: 0, throwOnTimeout: true });
    await expect(timeout).rejects.toBeInstanceOf(TimedQueryTimeoutError);
    await expect(timeout).rejects.toThrow('timedQuery found nothing after 1 try');
  });

  it('ends with the error of a query that throws, without retrying it', async () => {
    const jobs = await open();
    let tries = 0;
    const failing = (): never => {
      tries++;
      throw new Error('no such table');
    };
    await expect(jobs.timedQuery(failing, { initialDelay: 0, interval: 0 })).rejects.toThrow('no such table');
    expect(tries).toBe(1);
  });

  it('waits without blocking other jobs, and stops waiting as soon as its job is cancelled', async () => {
    const jobs = await open();
    let tries = 0;
    const stopped = gate<unknown>();
    const poller = await jobs.perform(async () => {
      await jobs
        .timedQuery(
          () => {
            tries++;
            return null;
          },
          { initialDelay: 0, interval: NEVER },
        )
        .catch((error: unknown) => stopped.open(error));
    });
    await until(() => tries === 1, 'the first try');
    const other = await jobs.perform(() => 'other job');
    expect(await jobs.waitFor(other)).toMatchObject({ state: 'completed', result: 'other job' });
    expect((await jobs.getStatus(poller))?.state).toBe('running');
    expect(await jobs.cancel(poller)).toBe(true);
    expect(await stopped.promise).toBeInstanceOf(JobCancelledError);
    expect(tries).toBe(1);
  });

  it('stops waiting when its job times out, and when the application shuts down', async () => {
    const jobs = await open({ shutdownTimeout: 50 });
    const timedOut = gate<unknown>();
    const slow = await jobs.performWith({ timeout: 100 }, () =>
      jobs.timedQuery(() => null, { initialDelay: NEVER }).catch((error: unknown) => timedOut.open(error)),
    );
    expect(await timedOut.promise).toBeInstanceOf(JobTimeoutError);
    expect((await jobs.waitFor(slow)).state).toBe('failed');

    const interrupted = gate<unknown>();
    const started = gate();
    const waiting = await jobs.perform(() => {
      started.open();
      return jobs.timedQuery(() => null, { initialDelay: NEVER }).catch((error: unknown) => interrupted.open(error));
    });
    await started.promise;
    await app!.close();
    app = undefined;
    const error = await interrupted.promise;
    expect(error).toBeInstanceOf(JobCancelledError);
    expect((error as Error).message).toMatch(/interrupted by application shutdown/);
    expect((await jobs.getStatus(waiting))?.state).toBe('interrupted');
  });

  it('outside a job, stops waiting when options.signal is aborted or the application shuts down', async () => {
    const jobs = await open();
    const controller = new AbortController();
    const givenUp = jobs.timedQuery(() => null, { initialDelay: NEVER, signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(givenUp).rejects.toThrow('caller gave up');
    const waiting = jobs.timedQuery(() => null, { initialDelay: NEVER });
    await app!.close();
    app = undefined;
    await expect(waiting).rejects.toBeInstanceOf(ShuttingDownError);
  });

  it('rejects bad options with an InvalidOptionError naming the option', async () => {
    const jobs = await open();
    const query = (): null => null;
    await expect(jobs.timedQuery(query, { retries: -1 })).rejects.toThrow(/"timedQuery.retries": expected an integer >= 0/);
    await expect(jobs.timedQuery(query, { interval: Number.NaN })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(jobs.timedQuery(query, { initialDelay: -5 })).rejects.toThrow(/"timedQuery.initialDelay"/);
    await expect(jobs.timedQuery(query, { throwOnTimeout: 'yes' as never })).rejects.toThrow(/"timedQuery.throwOnTimeout"/);
    await expect(jobs.timedQuery(query, { retry: 3 } as never)).rejects.toThrow(/"timedQuery.retry"/);
    await expect(jobs.timedQuery('SELECT 1' as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});

/**
 * tgext.asyncjob's example: the job looks for a row its enqueuer commits a
 * little later. The job's first try runs inside its transaction and finds
 * nothing; the row is then committed by the application; the next try must
 * see it.
 */
async function pollForLateRow(fx: DatabaseFixture, jobs: AsyncJobService, name: string, isolation?: IsolationLevel) {
  const firstTry = gate();
  const committed = gate();
  const id = await jobs.performWith(isolation ? { transaction: { isolation } } : {}, async () => {
    const manager = await jobs.entityManager();
    let tries = 0;
    const group = await jobs.timedQuery(
      async () => {
        tries++;
        const found = await manager.findOneBy(fx.entities.Group, { groupName: name });
        if (tries === 1) {
          firstTry.open();
          await committed.promise;
        }
        return found;
      },
      { initialDelay: 0, interval: 10, retries: 3 },
    );
    if (group) {
      group.displayName = 'Prova';
      await manager.save(group);
    }
    return { tries, found: group?.groupName ?? null };
  });
  await firstTry.promise;
  await fx.dataSource.transaction((manager) => manager.insert(fx.entities.Group, { groupName: name, displayName: name }));
  committed.open();
  return jobs.waitFor(id);
}

describe.each(DATABASES)('timedQuery inside a job on $name', (db) => {
  const fx = useDatabase(db, 'poll');

  it('sees, on a retry, a row committed after its first try (the default isolation makes it so, MariaDB included)', async () => {
    const app = await createJobApp({ dataSource: fx.dataSource, concurrency: 2 });
    // SQLite: TypeORM runs the application's transaction on the job's own connection, so the row is visible there too.
    const status = await pollForLateRow(fx, app.jobs, 'late');
    expect(status).toMatchObject({ state: 'completed', result: { tries: 2, found: 'late' } });
    const group = await fx.observer.getRepository(fx.entities.Group).findOneByOrFail({ groupName: 'late' });
    expect(group.displayName).toBe('Prova');
    await app.close();
  });
});

describe.each(SERVER_DATABASES)('the isolation trap on $name', (db) => {
  const fx = useDatabase(db, 'trap');

  it('under REPEATABLE READ a retry inside the transaction never sees the later commit, and timedQuery warns', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const app = await createJobApp({ dataSource: fx.dataSource, concurrency: 2 });
    const status = await pollForLateRow(fx, app.jobs, 'trapped', 'REPEATABLE READ');
    expect(status).toMatchObject({ state: 'completed', result: { tries: 4, found: null } });
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/its transaction runs at REPEATABLE READ, where a retry inside it cannot see rows/),
    );
    await app.close();
    warn.mockRestore();
  });
});
