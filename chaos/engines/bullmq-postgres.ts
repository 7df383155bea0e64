import { bullMqEngine } from './bullmq-engine.js';

/**
 * BullMQ on its PostgreSQL backend, on the private cluster (so its restart is
 * this engine's store outage), in a schema of its own, with the default
 * PostgreSQL tracker beside it: no Redis.
 */
export const engine = bullMqEngine(
  'postgres',
  (settings) => ({ connection: { postgres: settings.postgresUrl, schema: settings.namespace } }),
  // BullMQ's job table, every queue of the schema: a row per job, unfinished in any state but completed and failed.
  // (BullMQ's counts would call waiting jobs `paused` while the queue is paused; a row's state is the job's own.)
  async ({ settings, dataSource }) => {
    const [row] = (await dataSource.query(
      `SELECT count(*)::int AS n FROM ${settings.namespace}.job WHERE state NOT IN ('completed', 'failed')`,
    )) as { n: number }[];
    return row?.n ?? 0;
  },
);
