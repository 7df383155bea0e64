import { Logger } from '@nestjs/common';
import type { EntitySubscriberInterface, QueryRunner, TransactionCommitEvent } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AsyncJobService, InvalidOptionError, NoTransactionError, type AsyncJobModuleRootOptions, type JobStatus } from 'nestjs-asyncjob';
import { createJobApp, gate, until, type JobApp } from '../../helpers/job-app.js';
import { DATABASES, tagsOf, useDatabase } from './databases.js';

/** The QueryRunner whose next commit the test subscriber refuses: a failing COMMIT, the same on every database. */
let refuseNextCommitOf: QueryRunner | undefined;
const refusingSubscriber: EntitySubscriberInterface = {
  beforeTransactionCommit(event: TransactionCommitEvent) {
    if (event.queryRunner !== refuseNextCommitOf) return;
    refuseNextCommitOf = undefined;
    throw new Error('commit refused by the test subscriber');
  },
};

describe.each(DATABASES)('a transaction per job on $name', (db) => {
  const fx = useDatabase(db, 'trx', { subscribers: [refusingSubscriber] });
  let app: JobApp | undefined;

  async function open(options: AsyncJobModuleRootOptions = {}): Promise<AsyncJobService> {
    app = await createJobApp({ dataSource: fx.dataSource, concurrency: 4, ...options });
    return app.jobs;
  }

  /** Writes one row of job `job` through the running job's transaction. */
  async function write(jobs: AsyncJobService, job: string, tag: string): Promise<void> {
    const manager = await jobs.entityManager();
    await manager.insert(fx.entities.Row, { job, tag });
  }

  const tags = (job: string): Promise<string[]> => tagsOf(fx.observer, fx.entities, job);

  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    vi.restoreAllMocks();
  });

  it('commits a job that succeeds: invisible to other connections while it runs, visible once getProgress is null', async () => {
    const jobs = await open();
    const wrote = gate();
    const finish = gate();
    const id = await jobs.perform(async () => {
      await write(jobs, 'commit', 'a');
      await write(jobs, 'commit', 'b');
      wrote.open();
      await finish.promise;
      return 'done';
    });
    await wrote.promise;
    expect(await tags('commit')).toEqual([]);
    finish.open();
    await until(async () => (await jobs.getProgress(id)) === null, 'the job is finished');
    expect(await tags('commit')).toEqual(['a', 'b']);
    expect(await jobs.getStatus(id)).toMatchObject({ state: 'completed', result: 'done' });
  });

  it('rolls back a job that throws after writing', async () => {
    const jobs = await open();
    const id = await jobs.perform(async () => {
      await write(jobs, 'throws', 'x');
      throw new Error('boom');
    });
    expect(await jobs.waitFor(id)).toMatchObject({ state: 'failed', error: { message: 'boom' } });
    expect(await tags('throws')).toEqual([]);
  });

  it('rolls back a job whose returned promise rejects', async () => {
    const jobs = await open();
    const id = await jobs.perform(() =>
      jobs
        .entityManager()
        .then((manager) => manager.insert(fx.entities.Row, { job: 'rejects', tag: 'x' }))
        .then(() => Promise.reject(new Error('rejected'))),
    );
    expect(await jobs.waitFor(id)).toMatchObject({ state: 'failed', error: { message: 'rejected' } });
    expect(await tags('rejects')).toEqual([]);
  });

  it('rolls back the earlier writes when a statement fails', async () => {
    const jobs = await open();
    const id = await jobs.perform(async () => {
      await write(jobs, 'bad-sql', 'first');
      await write(jobs, 'bad-sql', null as unknown as string);
    });
    const status = await jobs.waitFor(id);
    expect(status.state).toBe('failed');
    expect(status.error?.name).toBe('QueryFailedError');
    expect(await tags('bad-sql')).toEqual([]);
  });

  it('rolls back on timeout, and what the job does after it never reaches the database', async () => {
    const jobs = await open();
    const resume = gate();
    const late = gate<unknown>();
    const id = await jobs.performWith({ timeout: 1500 }, async () => {
      await write(jobs, 'timeout', 'before');
      await resume.promise;
      await write(jobs, 'timeout', 'after').then(
        () => late.open('written'),
        (error: unknown) => late.open(error),
      );
    });
    expect(await jobs.waitFor(id)).toMatchObject({ state: 'failed', error: { name: 'JobTimeoutError' } });
    expect(await jobs.getProgress(id)).toBeNull();
    expect(await tags('timeout')).toEqual([]);
    resume.open();
    const error = await late.promise;
    expect(error).toBeInstanceOf(NoTransactionError);
    expect((error as NoTransactionError).reason).toBe('finished');
    expect(await tags('timeout')).toEqual([]);
  });

  it('rolls back on cancel before cancel() resolves, and refuses the cancelled code its queries', async () => {
    const jobs = await open();
    const wrote = gate();
    const resume = gate();
    const late = gate<unknown>();
    const id = await jobs.perform(async () => {
      const manager = await jobs.entityManager();
      await manager.insert(fx.entities.Row, { job: 'cancel', tag: 'before' });
      wrote.open();
      await resume.promise;
      // The manager it already holds: the guard, not entityManager(), must stop this one.
      await manager.insert(fx.entities.Row, { job: 'cancel', tag: 'after' }).then(
        () => late.open('written'),
        (error: unknown) => late.open(error),
      );
    });
    await wrote.promise;
    expect(await jobs.cancel(id)).toBe(true);
    expect(await jobs.getProgress(id)).toBeNull();
    expect((await jobs.getStatus(id))?.state).toBe('cancelled');
    expect(await tags('cancel')).toEqual([]);
    expect(db.poolUsage(fx.dataSource).checkedOut).toBe(0);
    resume.open();
    expect(await late.promise).toBeInstanceOf(NoTransactionError);
    expect(await tags('cancel')).toEqual([]);
  });

  it("never lets one job's failure undo another's work", async () => {
    const jobs = await open();
    const firstWrote = gate();
    const release = gate();
    const keeper = await jobs.perform(async () => {
      await write(jobs, 'keeper', 'one');
      firstWrote.open();
      await release.promise;
      await write(jobs, 'keeper', 'two');
    });
    await firstWrote.promise;
    const failing = await jobs.perform(async () => {
      await write(jobs, 'failing', 'doomed');
      throw new Error('this one fails');
    });
    // On SQLite it waits for the keeper's transaction; elsewhere it may already have failed.
    await until(async () => (await jobs.getStatus(failing))?.state !== 'queued', 'the failing job has started');
    release.open();
    expect((await jobs.waitFor(keeper)).state).toBe('completed');
    expect((await jobs.waitFor(failing)).state).toBe('failed');
    expect(await tags('keeper')).toEqual(['one', 'two']);
    expect(await tags('failing')).toEqual([]);
  });

  it('takes no connection for a job that never asks for its EntityManager', async () => {
    const jobs = await open();
    // One after the other: a job running alongside would take a connection of its own.
    const untouched = await jobs.perform(() => db.poolUsage(fx.dataSource).checkedOut);
    expect((await jobs.waitFor(untouched)).result).toBe(0);
    const touched = await jobs.perform(async () => {
      await jobs.entityManager();
      return db.poolUsage(fx.dataSource).checkedOut;
    });
    expect((await jobs.waitFor(touched)).result).toBe(1);
    expect(db.poolUsage(fx.dataSource)).toEqual({ checkedOut: 0, waiting: 0 });
  });

  it("gives each attempt a fresh transaction: the failed attempt's writes are gone, the retry's are kept", async () => {
    const jobs = await open();
    let attempt = 0;
    const id = await jobs.performWith({ attempts: 2, backoff: { delay: 0 } }, async () => {
      attempt++;
      await write(jobs, 'retry', `attempt ${attempt}`);
      if (attempt === 1) throw new Error('first attempt fails');
    });
    expect(await jobs.waitFor(id)).toMatchObject({ state: 'completed', attempts: 2 });
    expect(await tags('retry')).toEqual(['attempt 2']);
  });

  it(`runs at ${db.defaultIsolation} by default, or at the isolation level a job, @AsyncJob or the module asks for`, async () => {
    const table = fx.entities.tables[1]!;
    const probe = async (): Promise<string> => db.isolationOf(await jobs.queryRunner(), table, fx.observer);
    let jobs = await open();
    const byDefault = await jobs.perform(probe);
    const perJob = await jobs.performWith({ transaction: { isolation: db.otherIsolation } }, probe);
    expect((await jobs.waitFor(byDefault)).result).toBe(db.defaultIsolation);
    expect((await jobs.waitFor(perJob)).result).toBe(db.otherIsolation);
    await app?.close();
    jobs = await open({ defaultJobOptions: { transaction: { isolation: db.otherIsolation } } });
    const moduleWide = await jobs.perform(probe);
    const overridden = await jobs.performWith({ transaction: { isolation: db.defaultIsolation } }, probe);
    expect((await jobs.waitFor(moduleWide)).result).toBe(db.otherIsolation);
    expect((await jobs.waitFor(overridden)).result).toBe(db.defaultIsolation);
  });

  it('runs a job with transaction: false without a transaction or a connection', async () => {
    const jobs = await open();
    const id = await jobs.performWith({ transaction: false }, async () => {
      const usage = db.poolUsage(fx.dataSource).checkedOut;
      const error = await jobs.entityManager().then(
        () => undefined,
        (reason: unknown) => reason,
      );
      return { usage, reason: (error as NoTransactionError).reason, message: (error as Error).message };
    });
    const status = await jobs.waitFor(id);
    expect(status.result).toEqual({ usage: 0, reason: 'disabled', message: expect.stringMatching(/runs with transaction: false/) });
  });

  it('fails the job when its commit fails, with a CommitFailedError, and keeps none of its writes', async () => {
    const jobs = await open();
    const id = await jobs.perform(async () => {
      const queryRunner = await jobs.queryRunner();
      await queryRunner.manager.insert(fx.entities.Row, { job: 'commit-fails', tag: 'x' });
      refuseNextCommitOf = queryRunner;
      return 'returned normally';
    });
    const status: JobStatus = await jobs.waitFor(id);
    expect(status.state).toBe('failed');
    expect(status.error).toEqual({
      name: 'CommitFailedError',
      message: expect.stringMatching(/^Committing the transaction of job asyncjob_.* failed: commit refused by the test subscriber$/),
    });
    expect(await tags('commit-fails')).toEqual([]);
    expect(db.poolUsage(fx.dataSource)).toEqual({ checkedOut: 0, waiting: 0 });
  });

  it("keeps a job's nested transactions: a failed savepoint drops only its own writes", async () => {
    const jobs = await open();
    const id = await jobs.perform(async () => {
      const manager = await jobs.entityManager();
      await manager.insert(fx.entities.Row, { job: 'nested', tag: 'outer 1' });
      await manager
        .transaction(async (inner) => {
          await inner.insert(fx.entities.Row, { job: 'nested', tag: 'inner' });
          throw new Error('inner fails');
        })
        .catch(() => undefined);
      await manager.insert(fx.entities.Row, { job: 'nested', tag: 'outer 2' });
    });
    expect((await jobs.waitFor(id)).state).toBe('completed');
    expect(await tags('nested')).toEqual(['outer 1', 'outer 2']);
  });

  it('fails bootstrap when the module-wide isolation level is one the driver does not support', async () => {
    await expect(open({ defaultJobOptions: { transaction: { isolation: 'SNAPSHOT' } } })).rejects.toThrow(
      /"defaultJobOptions.transaction.isolation": expected an isolation level the .* driver supports/,
    );
  });

  it('rejects entityManager() outside a job with NoTransactionError (outside-job)', async () => {
    const jobs = await open();
    await expect(jobs.entityManager()).rejects.toMatchObject({ name: 'NoTransactionError', reason: 'outside-job' });
    await expect(jobs.queryRunner()).rejects.toThrow(/^queryRunner: only a running job has a transaction/);
  });

  it('holds no connection once every job has finished', async () => {
    const jobs = await open();
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        jobs.perform(async () => {
          await write(jobs, 'settled', `${index}`);
          if (index % 3 === 0) throw new Error('a third fail');
        }),
      ),
    );
    await jobs.drain();
    expect(db.poolUsage(fx.dataSource)).toEqual({ checkedOut: 0, waiting: 0 });
    const states = await Promise.all(ids.map(async (id) => (await jobs.getStatus(id))?.state));
    expect(states.filter((state) => state === 'failed')).toHaveLength(4);
    expect((await tags('settled')).sort()).toEqual(['1', '10', '11', '2', '4', '5', '7', '8']);
  });
});

describe('a transaction per job: configuration and misuse', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('without a dataSource, entityManager() and queryRunner() reject with NoTransactionError (no-data-source)', async () => {
    const app = await createJobApp();
    const id = await app.jobs.perform(async () => {
      const failures = await Promise.allSettled([app.jobs.entityManager(), app.jobs.queryRunner()]);
      return failures.map((failure) => (failure.status === 'rejected' ? (failure.reason as NoTransactionError).reason : 'fulfilled'));
    });
    expect((await app.jobs.waitFor(id)).result).toEqual(['no-data-source', 'no-data-source']);
    await expect(app.jobs.entityManager()).rejects.toThrow(/entityManager: no TypeORM DataSource is configured/);
    await app.close();
  });

  it('fails bootstrap on a dataSource that is not a DataSource, naming the option', async () => {
    await expect(createJobApp({ dataSource: {} as never })).rejects.toThrow(InvalidOptionError);
    await expect(createJobApp({ dataSource: 'postgres://localhost' as never })).rejects.toThrow(
      /"dataSource": expected a TypeORM DataSource/,
    );
  });

  it('fails on bad transaction options, naming them', async () => {
    await expect(createJobApp({ defaultJobOptions: { transaction: true as never } })).rejects.toThrow(/"defaultJobOptions.transaction"/);
    await expect(createJobApp({ defaultJobOptions: { transaction: { isolation: 'CHAOS' as never } } })).rejects.toThrow(
      /"defaultJobOptions.transaction.isolation": expected one of READ UNCOMMITTED, READ COMMITTED/,
    );
    await expect(createJobApp({ defaultJobOptions: { transaction: { level: 'x' } as never } })).rejects.toThrow(
      /"defaultJobOptions.transaction.level"/,
    );
    const app = await createJobApp();
    await expect(app.jobs.performWith({ transaction: 'yes' as never }, () => undefined)).rejects.toThrow(/"transaction"/);
    await app.close();
  });
});
