import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import type { JobEvent } from 'nestjs-asyncjob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rendition } from '../../../sample/media/entities/rendition.entity.js';
import { MAX_UPLOAD_BYTES } from '../../../sample/media/media.controller.js';
import { GatedClock } from './gated-clock.js';
import { startSample, type RunningSample } from './sample-app.js';
import { SseReader } from './sse-reader.js';

const unknownId = (): string => `asyncjob_${randomUUID()}`;

interface JobBody {
  id: string;
  state: string;
  progress: number;
  message: string | null;
  result?: { renditions: Array<{ label: string }>; thumbnails: number; thumbnailId: string | null; outputBytes: number };
  error?: { name: string; message: string };
  media: { id: string; name: string } | null;
}

describe('sample app: HTTP API', { timeout: 120_000 }, () => {
  let sample: RunningSample;
  const clock = new GatedClock({ held: false });

  beforeAll(async () => {
    sample = await startSample({ clock });
  });
  afterAll(async () => {
    clock.open();
    await sample?.close();
  });

  const http = () => request(sample.app.getHttpServer());
  const rowsOf = (jobId: string) => sample.dataSource.getRepository(Rendition).findBy({ jobId });

  describe('the progress example: /start and /state', () => {
    it('answers Not yet started, then each number the job reports, then Job Completed', async () => {
      clock.hold();
      sample.jobs.pause();
      const start = await http().get('/start').expect(302);
      const location = start.headers.location as string;
      const uid = new URL(location, 'http://x').searchParams.get('uid')!;
      expect(location).toBe(`/state?uid=${uid}`);
      expect(uid).toMatch(/^asyncjob_[0-9a-f-]{36}$/);

      const state = async (): Promise<string> => {
        const response = await http().get('/state').query({ uid }).expect(200);
        expect(response.headers['content-type']).toMatch(/^text\/plain/);
        return response.text;
      };
      expect(await state()).toBe('Not yet started');

      sample.jobs.resume();
      const seen: string[] = [];
      for (let i = 0; i < 5; i++) {
        // The job has reported i and now pauses on the clock until released.
        await clock.paused();
        seen.push(await state());
        clock.releaseOne();
      }
      expect(seen).toEqual(['0', '1', '2', '3', '4']);
      expect((await sample.jobs.waitFor(uid, { timeout: 60_000 })).state).toBe('completed');
      expect(await state()).toBe('Job Completed');
      clock.open();
    });

    it('answers 400 with a JSON error for a missing or malformed uid', async () => {
      for (const query of [{}, { uid: '' }, { uid: 'nope' }, { uid: 'asyncjob_123' }, { uid: `${unknownId()}x` }]) {
        const response = await http().get('/state').query(query).expect(400);
        expect(response.body).toMatchObject({ statusCode: 400 });
      }
    });

    it('answers Job Completed for a well-formed id it does not know', async () => {
      await http().get('/state').query({ uid: unknownId() }).expect(200, 'Job Completed');
    });
  });

  describe('media jobs', () => {
    it('lists the generated samples, the failing one marked', async () => {
      const { body } = await http().get('/api/media').expect(200);
      expect(body.map((item: { id: string }) => item.id)).toEqual(['beach-sunset', 'product-demo', 'team-call', 'corrupted-recording']);
      expect(body.find((item: { id: string }) => item.id === 'corrupted-recording').simulateFailure).toBe(true);
    });

    it('processes an item: progress 0..100 with a message per step, result rows written, result in the status', async () => {
      const events: JobEvent[] = [];
      const subscription = sample.jobs.events$.subscribe((event) => events.push(event));
      const started = await http().post('/api/jobs').send({ mediaId: 'beach-sunset' }).expect(202);
      const job = started.body as JobBody;
      expect(job.media).toEqual({ id: 'beach-sunset', name: 'Beach sunset.mp4' });
      expect(['queued', 'running']).toContain(job.state);

      const final = await sample.jobs.waitFor(job.id, { timeout: 60_000 });
      subscription.unsubscribe();
      expect(final.state).toBe('completed');

      const reports = events.filter((event) => event.id === job.id && event.type === 'progress');
      const values = reports.map((event) => (event.type === 'progress' ? event.progress.value : NaN));
      expect(values[0]).toBe(0);
      expect(values.at(-1)).toBe(100);
      expect(values.some((value) => value > 0 && value < 100)).toBe(true);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      for (const report of reports) {
        expect(report.type === 'progress' && report.progress.data).toMatchObject({ message: expect.any(String), step: expect.any(String) });
      }
      const messages = reports.map((event) => (event.type === 'progress' ? (event.progress.data as { message: string }).message : ''));
      expect(messages).toEqual(
        expect.arrayContaining([expect.stringMatching(/^Transcoding 1080p/), expect.stringMatching(/^Generating thumbnail 4 of 4/)]),
      );

      const { body } = await http().get(`/api/jobs/${job.id}`).expect(200);
      expect(body).toMatchObject({ id: job.id, state: 'completed', progress: 100 });
      expect((body as JobBody).result!.renditions.map((rendition) => rendition.label)).toEqual(['1080p', '720p', '480p']);
      expect((body as JobBody).result!.thumbnails).toBe(4);

      const rows = await rowsOf(job.id);
      expect(rows.filter((row) => row.kind === 'video')).toHaveLength(3);
      expect(rows.filter((row) => row.kind === 'thumbnail')).toHaveLength(4);

      const thumbnail = await http()
        .get(`/api/renditions/${(body as JobBody).result!.thumbnailId}/thumbnail.svg`)
        .expect(200);
      expect(thumbnail.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(String(thumbnail.body ?? thumbnail.text)).toMatch(/^<svg /);
    });

    it('fails the corrupted recording with its error, and leaves no result rows', async () => {
      const { body: job } = await http().post('/api/jobs').send({ mediaId: 'corrupted-recording' }).expect(202);
      const final = await sample.jobs.waitFor(job.id, { timeout: 60_000 });
      expect(final.state).toBe('failed');
      const { body } = await http().get(`/api/jobs/${job.id}`).expect(200);
      expect(body.state).toBe('failed');
      expect(body.error).toMatchObject({ name: 'MediaDecodeError', message: expect.stringContaining('simulated failure') });
      expect(await rowsOf(job.id)).toEqual([]);
      // The failure did not hurt the worker: the next job runs.
      const { body: next } = await http().post('/api/jobs').send({ mediaId: 'team-call' }).expect(202);
      expect((await sample.jobs.waitFor(next.id, { timeout: 60_000 })).state).toBe('completed');
    });

    it('cancels a running job: its signal stops it, no rows are written, a second cancel is a 409', async () => {
      clock.hold();
      const { body: job } = await http().post('/api/jobs').send({ mediaId: 'product-demo' }).expect(202);
      await clock.paused();
      const { body: running } = await http().get(`/api/jobs/${job.id}`).expect(200);
      expect(running).toMatchObject({ state: 'running', progress: 0, message: 'Probing Product demo.mov' });

      const { body: cancelled } = await http().post(`/api/jobs/${job.id}/cancel`).expect(200);
      expect(cancelled.state).toBe('cancelled');
      expect((await sample.jobs.waitFor(job.id, { timeout: 60_000 })).state).toBe('cancelled');
      // The pause the job was in was aborted, not released.
      expect(clock.waiting).toBe(0);
      clock.open();
      await sample.jobs.drain();
      expect(await rowsOf(job.id)).toEqual([]);
      const again = await http().post(`/api/jobs/${job.id}/cancel`).expect(409);
      expect(again.body.message).toMatch(/cancelled/);
    });

    it('cancels a queued job before it starts', async () => {
      clock.hold();
      sample.jobs.pause();
      const { body: job } = await http().post('/api/jobs').send({ mediaId: 'team-call' }).expect(202);
      expect(job.state).toBe('queued');
      await http().post(`/api/jobs/${job.id}/cancel`).expect(200);
      sample.jobs.resume();
      clock.open();
      await sample.jobs.drain();
      const { body } = await http().get(`/api/jobs/${job.id}`).expect(200);
      expect(body).toMatchObject({ state: 'cancelled', progress: -1 });
    });

    it('lists recent jobs newest first, with their states', async () => {
      const { body: job } = await http().post('/api/jobs').send({ mediaId: 'beach-sunset' }).expect(202);
      await sample.jobs.drain();
      const { body } = await http().get('/api/jobs').expect(200);
      expect(body[0]).toMatchObject({ id: job.id, state: 'completed', media: { id: 'beach-sunset' } });
      const states = new Set((body as JobBody[]).map((entry) => entry.state));
      expect([...states]).toEqual(expect.arrayContaining(['completed', 'failed', 'cancelled']));
    });

    it('lists a burst of jobs in the order they were started, newest first', async () => {
      sample.jobs.pause();
      const ids: string[] = [];
      for (const mediaId of ['team-call', 'beach-sunset', 'product-demo', 'team-call']) {
        ids.push((await http().post('/api/jobs').send({ mediaId }).expect(202)).body.id);
      }
      const { body } = await http().get('/api/jobs').expect(200);
      expect((body as JobBody[]).slice(0, 4).map((entry) => [entry.id, entry.state])).toEqual(ids.reverse().map((id) => [id, 'queued']));
      for (const id of ids) await http().post(`/api/jobs/${id}/cancel`).expect(200);
      sample.jobs.resume();
      await sample.jobs.drain();
    });

    it('accepts an upload, hashes it, and processes it', async () => {
      const bytes = Buffer.from('not really a video, but small and honest\n'.repeat(100));
      const { body: item } = await http()
        .post('/api/media')
        .attach('file', bytes, { filename: '../../etc/My clip.mp4', contentType: 'video/mp4' })
        .expect(201);
      expect(item).toMatchObject({ source: 'upload', name: 'My clip.mp4', sizeBytes: bytes.length, mimeType: 'video/mp4' });
      expect(item.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      const { body: media } = await http().get('/api/media').expect(200);
      expect(media.map((entry: { id: string }) => entry.id)).toContain(item.id);
      const { body: job } = await http().post('/api/jobs').send({ mediaId: item.id }).expect(202);
      expect((await sample.jobs.waitFor(job.id, { timeout: 60_000 })).state).toBe('completed');
    });
  });

  describe('live updates (Server-Sent Events)', () => {
    it('streams a job from its first report to its result, then ends', async () => {
      clock.hold();
      const { body: job } = await http().post('/api/jobs').send({ mediaId: 'team-call' }).expect(202);
      await clock.paused();
      const stream = new SseReader(`${sample.url}/api/events/${job.id}`);
      const { status, contentType } = await stream.ready;
      expect(status).toBe(200);
      expect(contentType).toMatch(/^text\/event-stream/);
      const first = (await stream.next()).data as { kind: string; job: JobBody };
      expect(first).toMatchObject({
        kind: 'update',
        job: { id: job.id, state: 'running', progress: 0, message: 'Probing Team call.webm' },
      });

      clock.open();
      const rest = (await stream.rest()).map((event) => event.data as { kind: string; job?: JobBody });
      expect(rest.at(-1)).toEqual({ kind: 'end' });
      const updates = rest.slice(0, -1).map((message) => message.job!);
      const last = updates.at(-1)!;
      expect(last).toMatchObject({ state: 'completed', progress: 100 });
      expect(last.result!.renditions.map((rendition) => rendition.label)).toEqual(['720p', '480p']);
      const values = updates.map((update) => update.progress);
      expect(values).toEqual([...values].sort((a, b) => a - b));
      expect(values.some((value) => value > 0 && value < 100)).toBe(true);
    });

    it('follows several jobs on one stream: a failure with its error, an unknown id, then ends', async () => {
      const { body: job } = await http().post('/api/jobs').send({ mediaId: 'corrupted-recording' }).expect(202);
      const ghost = unknownId();
      const stream = new SseReader(`${sample.url}/api/events?ids=${job.id},${ghost}`);
      expect((await stream.ready).status).toBe(200);
      const messages = (await stream.rest()).map((event) => event.data as { kind: string; job?: JobBody });
      expect(messages.at(-1)).toEqual({ kind: 'end' });
      const lastOf = (id: string) => messages.filter((message) => message.job?.id === id).at(-1)?.job;
      expect(lastOf(job.id)).toMatchObject({ state: 'failed', error: { name: 'MediaDecodeError' } });
      expect(lastOf(ghost)).toMatchObject({ state: 'unknown' });
    });
  });

  describe('bad input never crashes the app', () => {
    it('answers 404 with a JSON error for unknown ids', async () => {
      const id = unknownId();
      for (const call of [
        http().get(`/api/jobs/${id}`),
        http().post(`/api/jobs/${id}/cancel`),
        http().get(`/api/events/${id}`),
        http().get(`/api/renditions/${randomUUID()}/thumbnail.svg`),
        http().post('/api/jobs').send({ mediaId: 'no-such-item' }),
      ]) {
        const response = await call.expect(404);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.body).toMatchObject({ statusCode: 404, message: expect.any(String) });
      }
    });

    it('answers 400 with a JSON error for malformed ids and bodies', async () => {
      for (const call of [
        http().get('/api/jobs/not-a-job'),
        http().post('/api/jobs/asyncjob_1/cancel'),
        http().get('/api/events/%3Cscript%3E'),
        http().get('/api/events'),
        http().get(`/api/events?ids=${unknownId()},nope`),
        http().get('/api/renditions/not-a-uuid/thumbnail.svg'),
        http().post('/api/jobs').send({}),
        http().post('/api/jobs').send({ mediaId: '../../etc/passwd' }),
        http().post('/api/jobs').send({ mediaId: 42 }),
        http().post('/api/jobs').set('Content-Type', 'application/json').send('{"mediaId":'),
        http().post('/api/media'),
        http().post('/api/media').attach('file', Buffer.alloc(0), 'empty.bin'),
      ]) {
        const response = await call.expect(400);
        expect(response.body).toMatchObject({ statusCode: 400 });
      }
    });

    it('answers 413 for an upload over the limit', async () => {
      await http()
        .post('/api/media')
        .attach('file', Buffer.alloc(MAX_UPLOAD_BYTES + 1), 'big.bin')
        .expect(413);
    });

    it('still serves the page and its API afterwards', async () => {
      const page = await http().get('/').expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('<title>Framesmith');
      const { body } = await http().get('/api/info').expect(200);
      expect(body).toMatchObject({ tracker: 'memory', database: 'sqlite', concurrency: 2 });
    });
  });
});
