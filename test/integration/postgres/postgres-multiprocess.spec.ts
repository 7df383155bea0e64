import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from 'nestjs-asyncjob';
import { PostgresProgressTracker } from 'nestjs-asyncjob/postgres';
import { createJobApp, until, type JobApp } from '../../helpers/job-app.js';
import { TrackerChildApp } from '../../helpers/tracker-child-app.js';
import { PG_URL, dropSchema, requirePostgres, uniqueSchema, type TestPool } from './postgres-support.js';

/** The values a stream went through, without the repeats a change of state alone causes. */
function distinctValues(values: readonly JobProgress[]): JobProgress[] {
  return values.filter((value, i) => i === 0 || JSON.stringify(value) !== JSON.stringify(values[i - 1]));
}

/**
 * A child process runs the jobs (the fixture Nest app with a
 * PostgresProgressTracker); the test process, with the module on the same
 * table and no Redis anywhere, reads, awaits and streams them: LISTEN/NOTIFY
 * carries every change across.
 */
describe('PostgresProgressTracker across two processes', () => {
  const schema = uniqueSchema('processes');
  let admin: TestPool;
  let child: TrackerChildApp | undefined;
  let reader: JobApp | undefined;

  beforeAll(async () => {
    admin = await requirePostgres();
    child = await TrackerChildApp.start('A', 'postgres', { PG_URL, PG_SCHEMA: schema, PAUSED: '1' });
    reader = await createJobApp({ tracker: new PostgresProgressTracker({ connectionString: PG_URL, schema }) });
  }, 90_000);

  afterAll(async () => {
    await reader?.close();
    // The child must exit by itself once its app is closed: no connection left open.
    const code = await child?.close();
    await child?.kill();
    await dropSchema(admin, schema);
    await admin?.end();
    expect(code).toBe(0);
  }, 30_000);

  it('shows a job run by the child to this process: read, awaited and streamed from queued to running with progress to completed', async () => {
    const owner = child!;
    const { jobs } = reader!;
    const id = (await owner.request('startReport', { title: 'Q3 sales' })) as string;

    expect(await jobs.getProgress(id)).toStrictEqual({ value: -1, data: null });
    expect(await jobs.getStatus(id)).toMatchObject({ id, name: 'report.build', state: 'queued', attempts: 0 });
    const values: JobProgress[] = [];
    let completed = false;
    jobs.progress$(id).subscribe({ next: (progress) => values.push(progress), complete: () => (completed = true) });
    const finished = jobs.waitFor(id, { timeout: 30_000 });
    await until(() => values.length >= 1, 'the stream starts');

    await owner.request('resume', {});
    await until(async () => (await jobs.getStatus(id))?.state === 'running', 'the job is seen running');
    for (let step = 1; step <= 3; step++) {
      await owner.request('open', { id, step });
      // Without polling: only a notification (or the 5 s safety net, past this limit) makes the stream re-read.
      await until(() => values.some((progress) => progress.value === step), `step ${step} is streamed`, 4000);
    }

    const final = await finished;
    expect(final).toMatchObject({
      id,
      state: 'completed',
      attempts: 1,
      progress: { value: 3, data: { step: 3, title: 'Q3 sales' } },
      result: { title: 'Q3 sales', pages: 3 },
    });
    await until(() => completed, 'the stream completes');
    expect(distinctValues(values)).toStrictEqual([
      { value: -1, data: null },
      { value: 1, data: { step: 1, title: 'Q3 sales' } },
      { value: 2, data: { step: 2, title: 'Q3 sales' } },
      { value: 3, data: { step: 3, title: 'Q3 sales' } },
    ]);
    expect(await jobs.getProgress(id)).toBeNull();
    expect(await jobs.getStatus(id)).toStrictEqual(final);
    expect(await owner.request('getStatus', { id })).toStrictEqual(final);
  });

  it("shows a failed job's error here: in getStatus, waitFor and as the stream's error", async () => {
    const owner = child!;
    const { jobs } = reader!;
    const id = (await owner.request('startFailing', {})) as string;
    let streamError: unknown;
    jobs.progress$(id).subscribe({ error: (error: unknown) => (streamError = error) });
    const finished = jobs.waitFor(id, { timeout: 30_000 });
    await until(async () => (await jobs.getProgress(id))?.value === 1, 'the progress before the failure is seen');
    await owner.request('open', { id, step: 1 });
    const final = await finished;
    expect(final).toMatchObject({
      id,
      name: 'report.fail',
      state: 'failed',
      error: { name: 'RangeError', message: 'payment declined: card expired' },
    });
    expect(await jobs.getStatus(id)).toStrictEqual(final);
    await until(() => streamError !== undefined, 'the stream fails');
    expect(streamError).toMatchObject({ name: 'JobFailedError', message: `Job ${id} failed: RangeError: payment declined: card expired` });
    expect(await jobs.getProgress(id)).toBeNull();
  });
});
