import { Injectable, Logger } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AsyncJob, InvalidArgumentError, NoTransactionError, type AsyncJobModuleRootOptions, type AsyncJobService } from 'nestjs-asyncjob';
import { createJobApp, type JobApp } from '../../helpers/job-app.js';
import { DATABASES, useDatabase } from './databases.js';

@Injectable()
class Mailer {
  readonly sent: string[] = [];

  @AsyncJob()
  send(to: string): string {
    this.sent.push(to);
    return `sent to ${to}`;
  }
}

describe.each(DATABASES)('enqueue after commit on $name', (db) => {
  const fx = useDatabase(db, 'commit');
  let app: JobApp | undefined;

  async function open(options: AsyncJobModuleRootOptions = {}): Promise<AsyncJobService> {
    app = await createJobApp({ dataSource: fx.dataSource, concurrency: 2, ...options }, { providers: [Mailer] });
    return app.jobs;
  }

  /** A request-like transaction of the application's own. */
  async function begin(): Promise<QueryRunner> {
    const queryRunner = fx.dataSource.createQueryRunner();
    await queryRunner.connect();
    await queryRunner.startTransaction();
    return queryRunner;
  }

  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    vi.restoreAllMocks();
  });

  it('queues the job only once the QueryRunner commits, and the job sees what it committed', async () => {
    const jobs = await open({ concurrency: 1 });
    const queryRunner = await begin();
    await queryRunner.manager.insert(fx.entities.Group, { groupName: 'after-commit', displayName: 'before' });
    let ran = false;
    const id = await jobs.performAfterCommit(
      queryRunner,
      async (name: string) => {
        ran = true;
        const group = await (await jobs.entityManager()).findOneByOrFail(fx.entities.Group, { groupName: name });
        return group.displayName;
      },
      'after-commit',
    );
    expect(await jobs.getStatus(id)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(await jobs.getProgress(id)).toEqual({ value: -1, data: null });
    // With one worker slot and FIFO order, a job queued later can only run first if the first is not in the queue.
    const later = await jobs.perform(() => 'later');
    expect((await jobs.waitFor(later)).state).toBe('completed');
    expect(ran).toBe(false);
    expect((await jobs.getStatus(id))?.state).toBe('queued');
    await queryRunner.commitTransaction();
    await queryRunner.release();
    expect(await jobs.waitFor(id)).toMatchObject({ state: 'completed', result: 'before' });
  });

  it('takes the EntityManager that dataSource.transaction() passes', async () => {
    const jobs = await open();
    let id = '';
    await fx.dataSource.transaction(async (manager) => {
      await manager.insert(fx.entities.Group, { groupName: 'via-manager', displayName: 'x' });
      id = await jobs.performAfterCommit(manager, () => 'ran');
      expect((await jobs.getStatus(id))?.state).toBe('queued');
    });
    expect(await jobs.waitFor(id)).toMatchObject({ state: 'completed', result: 'ran' });
  });

  it('drops the job when the transaction rolls back: cancelled with the reason by the time the rollback resolves, never run', async () => {
    const jobs = await open();
    const queryRunner = await begin();
    let ran = false;
    const id = await jobs.performAfterCommit(queryRunner, () => {
      ran = true;
    });
    await queryRunner.rollbackTransaction();
    expect(await jobs.getStatus(id)).toMatchObject({
      state: 'cancelled',
      error: { name: 'JobCancelledError', message: `Job ${id} was dropped: its transaction rolled back` },
    });
    expect(await jobs.getProgress(id)).toBeNull();
    await queryRunner.release();
    await jobs.drain();
    expect(ran).toBe(false);
  });

  it('drops the job when dataSource.transaction() throws', async () => {
    const jobs = await open();
    let id = '';
    await expect(
      fx.dataSource.transaction(async (manager) => {
        id = await jobs.performAfterCommit(manager, () => 'ran');
        throw new Error('the request fails');
      }),
    ).rejects.toThrow('the request fails');
    expect(await jobs.getStatus(id)).toMatchObject({ state: 'cancelled', error: { message: expect.stringMatching(/rolled back$/) } });
  });

  it(
    db.sharedConnection
      ? 'keeps waiting after release() of the shared QueryRunner, whose transaction goes on, and drops the job at its rollback'
      : 'drops the job when its QueryRunner is released without committing',
    async () => {
      const jobs = await open();
      const queryRunner = await begin();
      const id = await jobs.performAfterCommit(queryRunner, () => 'ran');
      await queryRunner.release();
      if (db.sharedConnection) {
        expect((await jobs.getStatus(id))?.state).toBe('queued');
        await queryRunner.rollbackTransaction();
        expect((await jobs.getStatus(id))?.state).toBe('cancelled');
      } else {
        expect(await jobs.getStatus(id)).toMatchObject({
          state: 'cancelled',
          error: { message: `Job ${id} was dropped: its QueryRunner was released without committing` },
        });
      }
    },
  );

  it('cancel() of a job waiting for its commit: it is cancelled at once and the commit does not run it', async () => {
    const jobs = await open();
    const queryRunner = await begin();
    let ran = false;
    const id = await jobs.performAfterCommit(queryRunner, () => {
      ran = true;
    });
    expect(await jobs.cancel(id)).toBe(true);
    expect((await jobs.getStatus(id))?.state).toBe('cancelled');
    await queryRunner.commitTransaction();
    await queryRunner.release();
    await jobs.drain();
    expect(ran).toBe(false);
    expect((await jobs.getStatus(id))?.state).toBe('cancelled');
  });

  it('registers at the call: a commit or rollback that does not wait for the id still decides', async () => {
    const jobs = await open();
    const committed = await begin();
    const toRun = jobs.performAfterCommit(committed, () => 'ran');
    await committed.commitTransaction();
    await committed.release();
    expect(await jobs.waitFor(await toRun)).toMatchObject({ state: 'completed', result: 'ran' });

    const rolledBack = await begin();
    const toDrop = jobs.performAfterCommit(rolledBack, () => 'ran');
    await rolledBack.rollbackTransaction();
    await rolledBack.release();
    expect((await jobs.waitFor(await toDrop)).state).toBe('cancelled');
  });

  it('follows savepoints: a rolled-back savepoint drops its jobs, a released one hands them to the enclosing transaction', async () => {
    const jobs = await open();
    const queryRunner = await begin();
    await queryRunner.startTransaction();
    const dropped = await jobs.performAfterCommit(queryRunner, () => 'dropped');
    await queryRunner.rollbackTransaction();
    expect(await jobs.getStatus(dropped)).toMatchObject({
      state: 'cancelled',
      error: { message: `Job ${dropped} was dropped: the savepoint it was enqueued in rolled back` },
    });
    await queryRunner.startTransaction();
    const fromSavepoint = await jobs.performAfterCommit(queryRunner, () => 'from savepoint');
    await queryRunner.commitTransaction();
    expect((await jobs.getStatus(fromSavepoint))?.state).toBe('queued');
    const fromOuter = await jobs.performAfterCommit(queryRunner, () => 'from outer');
    await queryRunner.commitTransaction();
    await queryRunner.release();
    expect(await jobs.waitFor(fromSavepoint)).toMatchObject({ state: 'completed', result: 'from savepoint' });
    expect(await jobs.waitFor(fromOuter)).toMatchObject({ state: 'completed', result: 'from outer' });
  });

  it('refuses a QueryRunner or EntityManager outside a transaction (NoTransactionError) and anything else (InvalidArgumentError), creating no job', async () => {
    const jobs = await open();
    await expect(jobs.performAfterCommit(fx.dataSource.manager, () => undefined)).rejects.toMatchObject({
      name: 'NoTransactionError',
      reason: 'inactive',
      message: expect.stringMatching(
        /^performAfterCommit: expected a QueryRunner, or a transactional EntityManager, inside an active transaction/,
      ),
    });
    const idle = fx.dataSource.createQueryRunner();
    await expect(jobs.performAfterCommit(idle, () => undefined)).rejects.toBeInstanceOf(NoTransactionError);
    await idle.release();
    await expect(jobs.performAfterCommit({} as never, () => undefined)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(jobs.performAfterCommit(null as never, () => undefined)).rejects.toBeInstanceOf(InvalidArgumentError);
    const queryRunner = await begin();
    await expect(jobs.performAfterCommit(queryRunner, 'not a function' as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await queryRunner.rollbackTransaction();
    await queryRunner.release();
    expect(jobs.stats()).toMatchObject({ queued: 0, running: 0 });
  });

  it('starts an @AsyncJob method after the commit with startAfterCommit', async () => {
    const jobs = await open();
    const mailer = app!.moduleRef.get(Mailer);
    const queryRunner = await begin();
    const id = await jobs.startAfterCommit(queryRunner, Mailer, 'send', 'ada@example.com');
    expect(mailer.sent).toEqual([]);
    await queryRunner.commitTransaction();
    await queryRunner.release();
    expect(await jobs.waitFor(id)).toMatchObject({ state: 'completed', name: 'Mailer.send', result: 'sent to ada@example.com' });
  });

  it('lets a job enqueue a follow-up after its own commit: the follow-up of a failing job never runs', async () => {
    const jobs = await open();
    const followUps = new Map<string, string>();
    const parent = async (tag: string, fail: boolean): Promise<void> => {
      const manager = await jobs.entityManager();
      await manager.insert(fx.entities.Row, { job: 'parent', tag });
      followUps.set(
        tag,
        await jobs.performAfterCommit(manager, async () => {
          const seen = await (await jobs.entityManager()).countBy(fx.entities.Row, { job: 'parent', tag });
          return `saw ${seen} committed row(s) tagged ${tag}`;
        }),
      );
      if (fail) throw new Error('the parent fails');
    };
    const ok = await jobs.perform(parent, 'ok', false);
    const failing = await jobs.perform(parent, 'failing', true);
    expect((await jobs.waitFor(ok)).state).toBe('completed');
    expect((await jobs.waitFor(failing)).state).toBe('failed');
    expect(await jobs.waitFor(followUps.get('ok')!)).toMatchObject({ state: 'completed', result: 'saw 1 committed row(s) tagged ok' });
    expect(await jobs.waitFor(followUps.get('failing')!)).toMatchObject({
      state: 'cancelled',
      error: { message: expect.stringMatching(/rolled back$/) },
    });
  });
});
