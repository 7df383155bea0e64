import { BullMqTransport, type BullMqTransportOptions } from '../../lib/bullmq/index.js';
import type { ChaosSettings } from '../app/settings.js';
import type { ChaosEngine } from './engine.js';

/** BullMQ's lock on a running job, in ms: a dead worker's jobs are taken back within about this plus one stalled check. */
const LOCK_DURATION = 2000;
const STALLED_INTERVAL = 1000;

/** Where an engine's BullMQ keeps its queues. */
export type BullMqStore = (settings: ChaosSettings) => Pick<BullMqTransportOptions, 'connection' | 'prefix'>;

/**
 * A BullMQ engine (./bullmq-redis.ts, ./bullmq-postgres.ts): a shared queue
 * on `store`, with short locks, so stalled jobs come back quickly, and a
 * stall limit no kill reaches, so none fails for having been cut short.
 */
export function bullMqEngine(
  store: 'redis' | 'postgres',
  queues: BullMqStore,
  unfinished: NonNullable<ChaosEngine['unfinished']>,
): ChaosEngine {
  return {
    store,
    sharedQueue: true,
    unfinished,
    moduleOptions: ({ settings }) => ({
      transport: new BullMqTransport({
        ...queues(settings),
        queueName: settings.namespace,
        worker: settings.role === 'worker',
        concurrency: settings.concurrency,
        lockDuration: LOCK_DURATION,
        stalledInterval: STALLED_INTERVAL,
        maxStalledCount: 1000,
      }),
    }),
  };
}
