import { BullMqTransport } from '../../lib/bullmq/index.js';
import type { ChaosEngine } from './engine.js';

/** BullMQ's lock on a running job, in ms, and its stalled check, as on Redis (./bullmq-redis.ts). */
const LOCK_DURATION = 2000;
const STALLED_INTERVAL = 1000;

/**
 * BullMQ on its PostgreSQL backend, on the private cluster (so its restart is
 * this engine's store outage), in a schema of its own, with the default
 * PostgreSQL tracker beside it: no Redis. Locks and stall limit as on Redis.
 */
export const engine: ChaosEngine = {
  store: 'postgres',
  sharedQueue: true,
  moduleOptions: ({ settings }) => ({
    transport: new BullMqTransport({
      connection: { postgres: settings.postgresUrl, schema: settings.namespace },
      queueName: settings.namespace,
      worker: settings.role === 'worker',
      concurrency: settings.concurrency,
      lockDuration: LOCK_DURATION,
      stalledInterval: STALLED_INTERVAL,
      maxStalledCount: 1000,
    }),
  }),
  // BullMQ's job table, every queue of the schema: one row per job, unfinished but completed or failed. (Its counts
  // API would report waiting jobs as `paused` while the queue is paused; the table's state is the job's whatever.)
  async unfinished({ settings, dataSource }) {
    const [row] = (await dataSource.query(
      `SELECT count(*)::int AS n FROM ${settings.namespace}.job WHERE state NOT IN ('completed', 'failed')`,
    )) as { n: number }[];
    return row?.n ?? 0;
  },
};
