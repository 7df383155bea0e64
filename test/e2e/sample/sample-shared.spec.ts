import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rendition } from '../../../sample/media/entities/rendition.entity.js';
import { GatedClock } from './gated-clock.js';
import { startSample, type RunningSample } from './sample-app.js';
import { REDIS_URL, POSTGRES_URL, freshPostgresSchema, requireRedis } from './services.js';
import { SseReader } from './sse-reader.js';

/**
 * DATABASE_URL and REDIS_URL: two instances of the sample on two ports,
 * sharing PostgreSQL and Redis, show the same jobs and the same live progress.
 */
describe('sample app on PostgreSQL and Redis: two instances, one set of jobs', { timeout: 120_000 }, () => {
  let schema: Awaited<ReturnType<typeof freshPostgresSchema>>;
  let first: RunningSample;
  let second: RunningSample;
  const firstClock = new GatedClock({ held: false });

  beforeAll(async () => {
    await requireRedis();
    schema = await freshPostgresSchema();
    const config = { database: { type: 'postgres' as const, url: POSTGRES_URL, schema: schema.schema }, redisUrl: REDIS_URL };
    first = await startSample({ clock: firstClock, config });
    second = await startSample({ config });
  }, 120_000);

  afterAll(async () => {
    firstClock.open();
    await first?.close();
    await second?.close();
    await schema?.drop();
  }, 120_000);

  it('reports PostgreSQL and Redis', async () => {
    const { body } = await request(first.app.getHttpServer()).get('/api/info').expect(200);
    expect(body).toMatchObject({ database: 'postgres', tracker: 'redis' });
  });

  it('shows a job started on one instance, live, on the other, which cannot cancel it', async () => {
    firstClock.hold();
    const { body: job } = await request(first.app.getHttpServer()).post('/api/jobs').send({ mediaId: 'team-call' }).expect(202);
    await firstClock.paused();

    // The other instance lists it (shared database) with its live state (shared tracker).
    await expect
      .poll(
        async () =>
          (await request(second.app.getHttpServer()).get('/api/jobs').expect(200)).body.find(
            (entry: { id: string }) => entry.id === job.id,
          ),
        {
          timeout: 60_000,
        },
      )
      .toMatchObject({ state: 'running', progress: 0, message: 'Probing Team call.webm' });

    const conflict = await request(second.app.getHttpServer()).post(`/api/jobs/${job.id}/cancel`).expect(409);
    expect(conflict.body.message).toContain('another instance');

    const stream = new SseReader(`${second.url}/api/events/${job.id}`);
    expect((await stream.ready).status).toBe(200);
    expect((await stream.next()).data).toMatchObject({ kind: 'update', job: { id: job.id, state: 'running' } });
    firstClock.open();
    const messages = (await stream.rest()).map((event) => event.data as { kind: string; job?: { state: string; progress: number } });
    expect(messages.at(-1)).toEqual({ kind: 'end' });
    expect(messages.at(-2)).toMatchObject({ kind: 'update', job: { state: 'completed', progress: 100 } });

    const { body } = await request(second.app.getHttpServer()).get(`/api/jobs/${job.id}`).expect(200);
    expect(body.result.renditions.map((rendition: { label: string }) => rendition.label)).toEqual(['720p', '480p']);
    // Its rows were committed by the job's transaction on the first instance, and are read from the second.
    const rows = await second.dataSource.getRepository(Rendition).findBy({ jobId: job.id });
    expect(rows).toHaveLength(2 + 4);
    await request(second.app.getHttpServer()).get(`/api/renditions/${body.result.thumbnailId}/thumbnail.svg`).expect(200);
  });

  it('records the failing job on PostgreSQL too, with no result rows', async () => {
    const { body: job } = await request(second.app.getHttpServer()).post('/api/jobs').send({ mediaId: 'corrupted-recording' }).expect(202);
    expect((await second.jobs.waitFor(job.id, { timeout: 60_000 })).state).toBe('failed');
    const { body } = await request(first.app.getHttpServer()).get(`/api/jobs/${job.id}`).expect(200);
    expect(body).toMatchObject({ state: 'failed', error: { name: 'MediaDecodeError' } });
    expect(await first.dataSource.getRepository(Rendition).findBy({ jobId: job.id })).toEqual([]);
  });
});
