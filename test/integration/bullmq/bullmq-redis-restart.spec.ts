import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMqTransport } from 'nestjs-asyncjob/bullmq';
import { JOB_PROVIDERS, RowJobs } from '../../fixtures/bullmq-app/jobs.js';
import { createJobApp, until, type JobApp } from '../../helpers/job-app.js';
import { RedisServer } from '../../helpers/redis-server.js';
import { QueueChild, RowsTable, uniqueQueue } from './bullmq-support.js';

/**
 * Redis crashes (SIGKILL) in the middle of a run and comes back. It is a
 * private redis-server with an append-only file fsynced on every write, so,
 * like a production Redis with AOF, it loses nothing it acknowledged: the
 * test is about the processes reconnecting and carrying on, not about a
 * Redis that forgets its queue (with `--save ''` and no AOF a restart empties
 * it, and the queued jobs are gone with it, which no client can repair).
 */
describe('BullMQ transport through a Redis restart', () => {
  const { prefix, queueName } = uniqueQueue('restart');
  const dir = mkdtempSync(join(tmpdir(), 'asyncjob-redis-'));
  let server: RedisServer;
  let table: RowsTable;
  let web: JobApp;
  const workers: QueueChild[] = [];

  beforeAll(async () => {
    server = await RedisServer.start({ appendOnlyDir: dir });
    table = await RowsTable.create(true);
    const env = {
      ROLE: 'worker',
      REDIS_PORT: String(server.port),
      REDIS_DB: '0',
      QUEUE_NAME: queueName,
      BULL_PREFIX: prefix,
      CONCURRENCY: '4',
      LOCK_DURATION: '2000',
      STALLED_INTERVAL: '1000',
      ROWS_TABLE: table.name,
    };
    workers.push(...(await Promise.all(['r1', 'r2'].map((name) => QueueChild.start(name, env)))));
    const transport = new BullMqTransport({ connection: { host: '127.0.0.1', port: server.port }, prefix, queueName, worker: false });
    web = await createJobApp({ transport }, { providers: JOB_PROVIDERS });
  }, 120_000);

  afterAll(async () => {
    await web?.close();
    await Promise.all(workers.map((worker) => worker.close()));
    await table?.drop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('workers reconnect after Redis comes back and finish every job (each committed once, idempotent inserts)', async () => {
    const count = 400;
    const ids = await Promise.all(
      Array.from({ length: count }, (_, key) => web.jobs.start(RowJobs, 'insert', key, { pauseMs: 50, idempotent: true })),
    );
    await until(async () => (await table.counts()).rows >= 40, 'some jobs are done', 30_000);
    await server.stop();
    const atCrash = (await table.counts()).rows;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await server.start();
    expect(atCrash).toBeLessThan(count);

    await until(async () => (await table.counts()).rows >= count, `all ${count} rows are committed`, 90_000);
    expect(await table.counts()).toStrictEqual({ rows: count, keys: count });
    const byWorker = await table.byWorker();
    expect(Object.keys(byWorker).sort()).toStrictEqual(['r1', 'r2']);
    // Statuses written while Redis was away are replayed when it returns; every job ends completed.
    await until(
      async () => (await Promise.all(ids.map((id) => web.jobs.getStatus(id)))).every((status) => status?.state === 'completed'),
      'every job is recorded completed',
      60_000,
    );
  }, 150_000);
});
