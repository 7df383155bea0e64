import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createJobApp, gate, until, type Gate } from '../../helpers/job-app.js';
import { DATABASES, tagsOf, useDatabase } from './databases.js';

const JOBS = 200;
const CONCURRENCY = 8;
const POOL_SIZE = 2;

describe.each(DATABASES)(`more jobs at once than connections on $name`, (db) => {
  const fx = useDatabase(db, 'pool', { poolSize: POOL_SIZE });

  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it(`pool of ${POOL_SIZE}, concurrency ${CONCURRENCY}: ${JOBS} jobs, a third failing, all finish and no connection stays checked out`, async () => {
    const app = await createJobApp({ dataSource: fx.dataSource, concurrency: CONCURRENCY, paused: true });
    const { jobs } = app;
    let mostRunning = 0;
    let mostCheckedOut = 0;
    const ids = await Promise.all(
      Array.from({ length: JOBS }, (_, index) =>
        jobs.performWith({ name: `pool-${index}` }, async () => {
          mostRunning = Math.max(mostRunning, jobs.stats().running);
          const manager = await jobs.entityManager();
          mostCheckedOut = Math.max(mostCheckedOut, db.poolUsage(fx.dataSource).checkedOut);
          await manager.insert(fx.entities.Row, { job: 'pool', tag: String(index) });
          await manager.countBy(fx.entities.Row, { job: 'pool' });
          if (index % 3 === 0) throw new Error(`job ${index} fails`);
          return index;
        }),
      ),
    );
    // Queued while paused, so the first CONCURRENCY start together and contend for the pool.
    jobs.resume();
    await jobs.drain();

    const states = await Promise.all(ids.map(async (id) => (await jobs.getStatus(id))?.state));
    const failing = Array.from({ length: JOBS }, (_, index) => index).filter((index) => index % 3 === 0);
    expect(states.filter((state) => state === 'failed')).toHaveLength(failing.length);
    expect(states.filter((state) => state === 'completed')).toHaveLength(JOBS - failing.length);
    const kept = (await tagsOf(fx.observer, fx.entities, 'pool')).map(Number).sort((a, b) => a - b);
    expect(kept).toEqual(Array.from({ length: JOBS }, (_, index) => index).filter((index) => index % 3 !== 0));
    expect(mostRunning).toBe(CONCURRENCY);
    expect(mostCheckedOut).toBeLessThanOrEqual(db.sharedConnection ? 1 : POOL_SIZE);
    expect(db.poolUsage(fx.dataSource)).toEqual({ checkedOut: 0, waiting: 0 });
    await app.close();
    expect(db.poolUsage(fx.dataSource)).toEqual({ checkedOut: 0, waiting: 0 });
  });

  it('a job cancelled while it waits for a connection leaves nothing behind', async () => {
    const app = await createJobApp({ dataSource: fx.dataSource, concurrency: CONCURRENCY });
    const { jobs } = app;
    const release = gate();
    const holding: Array<Gate> = [];
    const holders = await Promise.all(
      Array.from({ length: POOL_SIZE }, (_, index) => {
        const connected = gate();
        holding.push(connected);
        return jobs.perform(async () => {
          const manager = await jobs.entityManager();
          connected.open();
          await release.promise;
          await manager.insert(fx.entities.Row, { job: 'holder', tag: String(index) });
        });
      }),
    );
    // SQLite: the first holds the only transaction, the others wait for it.
    await holding[0]!.promise;
    const waiter = await jobs.perform(async () => {
      const manager = await jobs.entityManager();
      await manager.insert(fx.entities.Row, { job: 'waiter', tag: 'never' });
    });
    await until(async () => (await jobs.getStatus(waiter))?.state === 'running', 'the waiting job has started');
    const cancelling = jobs.cancel(waiter);
    release.open();
    expect(await cancelling).toBe(true);
    for (const id of holders) expect((await jobs.waitFor(id)).state).toBe('completed');
    expect((await jobs.getStatus(waiter))?.state).toBe('cancelled');
    const after = await jobs.perform(async () => (await jobs.entityManager()).countBy(fx.entities.Row, { job: 'holder' }));
    expect(await jobs.waitFor(after)).toMatchObject({ state: 'completed', result: POOL_SIZE });
    expect(await tagsOf(fx.observer, fx.entities, 'waiter')).toEqual([]);
    await app.close();
    expect(db.poolUsage(fx.dataSource)).toEqual({ checkedOut: 0, waiting: 0 });
  });
});
