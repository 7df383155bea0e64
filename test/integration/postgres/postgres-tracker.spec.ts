import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { InvalidOptionError, type JobStatus } from 'nestjs-asyncjob';
import { PostgresProgressTracker, type PostgresProgressTrackerOptions } from 'nestjs-asyncjob/postgres';
import { createJobApp, gate, until } from '../../helpers/job-app.js';
import { PG_URL, dropSchema, pg, requirePostgres, tableRows, uniqueSchema, type TestPool } from './postgres-support.js';

function status(id: string, overrides: Partial<JobStatus> = {}): JobStatus {
  return {
    id,
    name: 'tracker',
    state: 'queued',
    progress: { value: -1, data: null },
    attempts: 0,
    enqueuedAt: 1_700_000_000_000,
    ...overrides,
  };
}

describe('PostgresProgressTracker', () => {
  let admin: TestPool;
  const schemas: string[] = [];
  const trackers: PostgresProgressTracker[] = [];

  function tracker(options: PostgresProgressTrackerOptions = {}): PostgresProgressTracker {
    const schema = options.schema ?? uniqueSchema('tracker');
    if (!schemas.includes(schema)) schemas.push(schema);
    const created = new PostgresProgressTracker({ ...(options.pool ? {} : { connectionString: PG_URL }), ...options, schema });
    trackers.push(created);
    return created;
  }

  beforeAll(async () => {
    admin = await requirePostgres();
  });
  afterEach(async () => {
    for (const created of trackers.splice(0)) await created.close();
  });
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(admin, schema);
    await admin?.end();
  });

  it('keeps one row per job: [value, data] as JSON in progress, the status as JSON, and when the row ends', async () => {
    const subject = tracker({ schema: uniqueSchema('layout') });
    const id = `asyncjob_${randomUUID()}`;
    await subject.track(id);
    subject.setProgress(id, 3, { step: 'àèìòù' });
    await subject.flush();
    await subject.saveStatus(status(id, { state: 'running', attempts: 1 }));
    const [row] = await tableRows(admin, schemas.at(-1)!);
    expect(row).toMatchObject({ id, progress: '[3,{"step":"àèìòù"}]', alive: true });
    expect(JSON.parse(row!.status!)).toStrictEqual(status(id, { state: 'running', attempts: 1 }));
    // timeout, one hour by default, from the last write.
    expect(row!.expires_at.getTime() - Date.now()).toBeGreaterThan(3_500_000);
    expect(subject.tableName).toBe(`"${schemas.at(-1)!}"."job_progress"`);
  });

  it('keeps a final status for its retention, never returns it once expired, and deletes expired rows', async () => {
    const schema = uniqueSchema('retention');
    const subject = tracker({ schema });
    const kept = `asyncjob_${randomUUID()}`;
    const brief = `asyncjob_${randomUUID()}`;
    for (const id of [kept, brief]) {
      await subject.track(id);
      await subject.saveStatus(status(id, { state: 'running' }));
    }
    await subject.saveStatus(status(kept, { state: 'completed' }), 60_000);
    await subject.saveStatus(status(brief, { state: 'completed' }), 100);
    await subject.remove(kept);
    await subject.remove(brief);
    expect((await subject.getStatus(brief))?.state).toBe('completed');
    await until(async () => (await subject.getStatus(brief)) === null, 'the brief status expires');
    // Expired but not yet deleted: still in the table, never read.
    expect((await tableRows(admin, schema)).map((row) => [row.id, row.alive])).toEqual(
      [
        [kept, true],
        [brief, false],
      ].sort(),
    );
    expect(await subject.deleteExpired()).toBe(1);
    expect((await tableRows(admin, schema)).map((row) => row.id)).toEqual([kept]);
    expect((await subject.getStatus(kept))?.state).toBe('completed');
    expect(await subject.getProgress(kept)).toBeNull();
  });

  it('deletes expired rows by itself every cleanupInterval', async () => {
    const schema = uniqueSchema('cleanup');
    const subject = tracker({ schema, cleanupInterval: 0.2 });
    const id = `asyncjob_${randomUUID()}`;
    await subject.saveStatus(status(id, { state: 'completed' }), 50);
    expect(await tableRows(admin, schema)).toHaveLength(1);
    await until(async () => (await tableRows(admin, schema)).length === 0, 'the cleanup deletes the expired row', 5000);
  });

  it('leaves no row behind for a job removed without a final status', async () => {
    const schema = uniqueSchema('remove');
    const subject = tracker({ schema });
    const id = `asyncjob_${randomUUID()}`;
    await subject.track(id);
    await subject.remove(id);
    expect(await subject.getProgress(id)).toBeNull();
    expect(await subject.deleteExpired()).toBe(1);
    expect(await tableRows(admin, schema)).toEqual([]);
  });

  it('keeps a job queued longer than timeout alive, and lets the rows of a process that died expire', async () => {
    const schema = uniqueSchema('timeout');
    const owner = tracker({ schema, timeout: 1 });
    const reader = tracker({ schema });
    const app = await createJobApp({ tracker: owner, paused: true });
    try {
      const id = await app.jobs.perform(() => 'late');
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect(await reader.getStatus(id)).toMatchObject({ state: 'queued' });

      // A process that dies renews nothing: its job is gone after timeout.
      const dead = `asyncjob_${randomUUID()}`;
      await owner.saveStatus(status(dead, { state: 'running' }));
      await owner.remove(dead); // this process forgets it, as a dead one would
      await until(async () => (await reader.getStatus(dead)) === null, 'the dead job expires', 5000);
      expect(await reader.getStatus(id)).toMatchObject({ state: 'queued' });
      app.jobs.resume();
      expect(await app.jobs.waitFor(id)).toMatchObject({ state: 'completed', result: 'late' });
    } finally {
      await app.close();
    }
  });

  it("follows another app's job over LISTEN/NOTIFY: waitFor and progress$ see every step", async () => {
    const schema = uniqueSchema('feed');
    const owner = await createJobApp({ tracker: tracker({ schema, flushInterval: 10 }) });
    const follower = await createJobApp({ tracker: tracker({ schema }) });
    try {
      const steps = [gate(), gate()];
      const id = await owner.jobs.perform(async () => {
        for (let step = 1; step <= 2; step++) {
          await owner.jobs.setProgress(step, { step });
          await steps[step - 1]!.promise;
        }
        return 'done';
      });
      const seen: number[] = [];
      const ended = gate();
      follower.jobs.progress$(id).subscribe({ next: (progress) => seen.push(progress.value), complete: () => ended.open() });
      const finished = follower.jobs.waitFor(id);
      await until(() => seen.includes(1), 'the follower streams step 1');
      steps[0]!.open();
      await until(() => seen.includes(2), 'the follower streams step 2');
      steps[1]!.open();
      expect(await finished).toMatchObject({ id, state: 'completed', result: 'done', progress: { value: 2, data: { step: 2 } } });
      await ended.promise;
    } finally {
      await owner.close();
      await follower.close();
    }
  });

  it('uses one listening connection per process however many jobs it follows, and closes its connections at shutdown', async () => {
    const name = `asyncjob-test-${randomUUID().slice(0, 8)}`;
    const subject = tracker({ poolConfig: { application_name: name } });
    const stops = Array.from({ length: 20 }, (_, i) => subject.watch(`asyncjob_watched_${i}`, () => undefined));
    await subject.getStatus('asyncjob_none');
    const connections = async (suffix: string) =>
      (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [`${name}${suffix}`])).rows[0]!
        .n as number;
    await until(async () => (await connections(':listener')) === 1, 'the listener is connected');
    for (const stop of stops) stop();
    await subject.close();
    await until(async () => (await connections(':listener')) + (await connections('')) === 0, 'every connection is closed');
  });

  it('leaves a pool it was given open, unless closePool is set', async () => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    try {
      await tracker({ pool }).close();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      const closing = tracker({ pool, closePool: true });
      await closing.getStatus('asyncjob_none');
      await closing.close();
      await expect(pool.query('SELECT 1')).rejects.toThrow();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  });

  it('with createTable: false, needs the table and says how to make it', async () => {
    const subject = tracker({ schema: uniqueSchema('migrated'), createTable: false });
    const errors: string[] = [];
    vi.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
    await expect(subject.getStatus('asyncjob_none')).rejects.toThrow(
      /table "asyncjob_test_migrated_\w+"\."job_progress" does not exist: create it \(docs\/postgres.md/,
    );
    vi.restoreAllMocks();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Cannot set up the progress table on PostgreSQL at 127\.0\.0\.1:5432 \(database test\): table /);
  });

  it('works on a table created by the documented migration', async () => {
    const schema = uniqueSchema('migration');
    schemas.push(schema);
    const probe = new PostgresProgressTracker({ connectionString: PG_URL, schema, createTable: false });
    const ddl = (probe as unknown as { table: { ddl: string } }).table.ddl;
    await probe.close();
    await admin.query(ddl);
    const subject = tracker({ schema, createTable: false });
    await subject.track('asyncjob_migrated');
    expect(await subject.getProgress('asyncjob_migrated')).toStrictEqual({ value: -1, data: null });
  });

  it.each<[string, PostgresProgressTrackerOptions]>([
    ['timeout below 1 s', { timeout: 0.5 }],
    ['a negative flushInterval', { flushInterval: -1 }],
    ['a cleanupInterval of 0', { cleanupInterval: 0 }],
    ['a commandTimeout that is not a number', { commandTimeout: '2s' as unknown as number }],
    ['a schema that is not a plain name', { schema: 'public; DROP TABLE x' }],
    ['a table name too long', { table: 'x'.repeat(49) }],
    ['a channel too long', { channel: 'c'.repeat(64) }],
    ['createTable that is not a boolean', { createTable: 'yes' as unknown as boolean }],
    ['a pool that is not one', { pool: {} as never }],
    ['a pool with a connection string', { pool: { query: () => undefined, on: () => undefined } as never, connectionString: PG_URL }],
    ['closePool without a pool', { closePool: true }],
    ['a connection string that is not a postgres URL', { connectionString: 'redis://localhost' }],
  ])('rejects %s with InvalidOptionError at construction', (_, options) => {
    expect(() => new PostgresProgressTracker({ ...options })).toThrow(InvalidOptionError);
  });
});
