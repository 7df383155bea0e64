import { BullMqTransport } from '../../lib/bullmq/index.js';
import type { ChaosEngine } from './engine.js';

/** BullMQ's lock on a running job, in ms: a dead worker's jobs are taken back within about this plus one stalled check. */
const LOCK_DURATION = 2000;
const STALLED_INTERVAL = 1000;

/**
 * BullMQ on the private Redis (append-only file, fsync always, so a restart
 * keeps every acknowledged write), with the default Redis tracker beside it.
 * Short locks, so stalled jobs come back quickly; a stall limit no kill
 * reaches, so none fails for having been cut short.
 */
export const engine: ChaosEngine = {
  store: 'redis',
  sharedQueue: true,
  moduleOptions: ({ settings }) => ({
    transport: new BullMqTransport({
      connection: { host: '127.0.0.1', port: settings.redisPort },
      prefix: settings.namespace,
      queueName: settings.namespace,
      worker: settings.role === 'worker',
      concurrency: settings.concurrency,
      lockDuration: LOCK_DURATION,
      stalledInterval: STALLED_INTERVAL,
      maxStalledCount: 1000,
    }),
  }),
  async unfinished({ settings }) {
    const { Queue } = await import('bullmq');
    const queue = new Queue(settings.namespace, {
      connection: { host: '127.0.0.1', port: settings.redisPort },
      prefix: settings.namespace,
    });
    try {
      return await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized', 'waiting-children', 'active');
    } finally {
      await queue.close();
    }
  },
};
