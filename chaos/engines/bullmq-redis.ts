import { bullMqEngine } from './bullmq-engine.js';

/**
 * BullMQ on the private Redis (append-only file, fsync always, so a restart
 * keeps every acknowledged write), with the default Redis tracker beside it.
 */
export const engine = bullMqEngine(
  'redis',
  (settings) => ({ connection: { host: '127.0.0.1', port: settings.redisPort }, prefix: settings.namespace }),
  async ({ settings }) => {
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
);
