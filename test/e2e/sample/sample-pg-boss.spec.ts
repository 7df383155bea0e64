import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/free-port.js';
import { SampleProcess } from './sample-process.js';
import { POSTGRES_URL, freshPostgresSchema, type FreshSchema } from './services.js';
import { SseReader } from './sse-reader.js';

interface JobBody {
  id: string;
  state: string;
  progress: number;
  result?: { renditions: Array<{ label: string }> };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * JOB_ENGINE=pg-boss, as docs/sample.md runs it: a web process (main.ts,
 * enqueue-only) and a worker process (worker.ts, no HTTP server), two real
 * processes sharing nothing but PostgreSQL.
 */
describe('sample app in pg-boss mode: a web process and a worker process on PostgreSQL alone', { timeout: 60_000 }, () => {
  let database: FreshSchema;
  let jobSchema: string;
  let env: NodeJS.ProcessEnv;
  let web: SampleProcess | undefined;
  let worker: SampleProcess | undefined;
  let url: string;

  const api = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${url}${path}`, { ...init, headers: { 'content-type': 'application/json' } });
    return { status: response.status, body: (await response.json()) as T };
  };
  const startJob = (mediaId: string) => api<JobBody>('/api/jobs', { method: 'POST', body: JSON.stringify({ mediaId }) });
  /** pg-boss's rows of job `id` (its pg-boss id is the uuid of ours). */
  const bossJobs = (id: string) =>
    database.query<{ state: string; data: unknown }>(`SELECT state, data FROM ${jobSchema}.job WHERE id = $1`, [
      id.replace(/^asyncjob_/, ''),
    ]);
  const renditionCount = async (jobId: string) =>
    (await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${database.schema}.renditions WHERE "jobId" = $1`, [jobId]))[0]!.n;

  beforeAll(async () => {
    database = await freshPostgresSchema();
    jobSchema = `${database.schema}_jobs`;
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = { ...process.env, PORT: String(port), DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: database.schema };
    Object.assign(env, { JOB_ENGINE: 'pg-boss', JOB_SCHEMA: jobSchema, SAMPLE_STEP_MS: '150', NO_COLOR: '1' });
    delete env.REDIS_URL;
    delete env.NODE_OPTIONS; // vitest's loader hooks must not leak into the real app
    web = await SampleProcess.start('web', 'main.ts', env, `Open http://localhost:${port}`);
  }, 60_000);

  afterAll(async () => {
    // Stopped here even when a test failed, so no process outlives the run.
    const started = [web, worker].filter((process) => process !== undefined);
    const stopped = await Promise.allSettled(started.map((process) => process.stop()));
    await database?.drop();
    // Each shut down by its hooks on SIGTERM, as Ctrl-C would.
    expect(stopped.map((outcome) => outcome.status)).toEqual(started.map(() => 'fulfilled'));
    for (const process of started) expect(process.log).toContain('Stopped cleanly on SIGTERM');
  }, 60_000);

  it('queues the job with its row in one transaction; only the worker runs it, and the web process follows it live', async () => {
    const info = await api<Record<string, unknown>>('/api/info');
    expect(info.body).toMatchObject({ jobEngine: 'pg-boss', tracker: 'postgres', database: 'postgres' });

    const { status, body: job } = await startJob('team-call');
    expect(status).toBe(202);
    expect(job.state).toBe('queued');
    // Committed together: the row, and exactly one pg-boss job for it, with JSON arguments.
    const rows = await database.query<{ mediaId: string }>(`SELECT "mediaId" FROM ${database.schema}.media_jobs WHERE "jobId" = $1`, [
      job.id,
    ]);
    expect(rows).toEqual([{ mediaId: 'team-call' }]);
    expect(await bossJobs(job.id)).toEqual([{ state: 'created', data: { job: 'media.process', args: ['team-call'] } }]);

    // The web process (worker: false) never takes it: 2 s later, four polling intervals of a worker, it still waits in PostgreSQL.
    await pause(2000);
    expect((await api<JobBody>(`/api/jobs/${job.id}`)).body.state).toBe('queued');

    worker = await SampleProcess.start('worker', 'worker.ts', env, 'Running jobs');
    const stream = new SseReader(`${url}/api/events/${job.id}`);
    expect((await stream.ready).status).toBe(200);
    const updates = (await stream.rest())
      .map((event) => event.data as { kind: string; job?: JobBody })
      .flatMap((message) => (message.job ? [message.job] : []));
    // Status and progress of a job running in the worker, read and streamed by the web process.
    expect(updates.some((update) => update.state === 'running' && update.progress > 0 && update.progress < 100)).toBe(true);
    expect(updates.at(-1)).toMatchObject({ state: 'completed', progress: 100 });

    const done = (await api<JobBody>(`/api/jobs/${job.id}`)).body;
    expect(done.result?.renditions.map((rendition) => rendition.label)).toEqual(['720p', '480p']);
    expect(await renditionCount(job.id)).toBe(2 + 4);
    expect(await bossJobs(job.id)).toMatchObject([{ state: 'completed' }]);
    // The worker ran it, once (the web process had left it queued above).
    await worker.waitForLog(`media.process ${job.id} completed`);
    expect(worker.log.split(`media.process ${job.id} started`).length - 1).toBe(1);
  });

  it('cancels from the web process a job running in the worker process', async () => {
    const { body: job } = await startJob('product-demo');
    await expect.poll(async () => (await api<JobBody>(`/api/jobs/${job.id}`)).body.state, { timeout: 20_000 }).toBe('running');

    const cancelled = await api<JobBody>(`/api/jobs/${job.id}/cancel`, { method: 'POST' });
    expect(cancelled).toMatchObject({ status: 200, body: { state: 'cancelled' } });
    await worker!.waitForLog(`media.process ${job.id} cancelled`);
    expect(await renditionCount(job.id)).toBe(0);
    expect(await bossJobs(job.id)).toMatchObject([{ state: 'cancelled' }]);
  });
});
