import { PgBossTransport } from '../../lib/pg-boss/index.js';
import type { ChaosEngine } from './engine.js';

/** pg-boss's shortest heartbeat, in seconds. */
const HEARTBEAT = 10;

/**
 * pg-boss on the jobs' own DataSource, so each job's completion commits in
 * its own transaction (database effects exactly once), with the default
 * PostgreSQL tracker beside it: no Redis.
 */
export const engine: ChaosEngine = {
  store: 'postgres',
  sharedQueue: true,
  moduleOptions: ({ settings, dataSource }) => ({
    transport: new PgBossTransport({
      dataSource,
      schema: settings.namespace,
      worker: settings.role === 'worker',
      concurrency: settings.concurrency,
      heartbeat: HEARTBEAT,
      maxStalledCount: 1000,
      pollingInterval: 0.5,
    }),
  }),
  async unfinished({ settings, dataSource }) {
    const [row] = (await dataSource.query(
      `SELECT count(*)::int AS n FROM ${settings.namespace}.job WHERE state IN ('created', 'retry', 'active')`,
    )) as { n: number }[];
    return row?.n ?? 0;
  },
};
