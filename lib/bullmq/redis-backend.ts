/**
 * BullMQ on Redis: every queue, worker and event reader opens its own
 * connections from the `connection` option (or shares the client given),
 * under the `prefix`; cancel requests go over pub/sub beside BullMQ's keys.
 */
import type { Processor, Queue, QueueEvents, Worker } from 'bullmq';
import type { RedisProgressTracker } from '../progress/redis-progress-tracker.js';
import type { ReportError } from '../shared/throttled-error-log.js';
import type { BullMqBackend, WorkerSettings } from './bullmq-backend.interface.js';
import { bullConnection, trackerBesideQueues } from './bullmq-connection.js';
import type { RedisQueues } from './bullmq-options.js';
import { loadBullMq } from './load-bullmq.js';
import { RedisCancelChannel } from './redis-cancel-channel.js';

/** {@link BullMqBackend} on Redis. */
export class RedisBackend implements BullMqBackend {
  readonly store = 'Redis';
  readonly cancels: RedisCancelChannel;

  constructor(
    private readonly settings: RedisQueues,
    report: ReportError,
  ) {
    this.cancels = new RedisCancelChannel(settings, report);
  }

  openQueue(name: string): Queue {
    return new (loadBullMq().Queue)(name, this.where());
  }

  openWorker(name: string, processor: Processor, settings: WorkerSettings): Worker {
    return new (loadBullMq().Worker)(name, processor, { ...settings, ...this.where() });
  }

  openQueueEvents(name: string): QueueEvents {
    return new (loadBullMq().QueueEvents)(name, this.where());
  }

  /** A RedisProgressTracker on BullMQ's database, its keys beside BullMQ's. */
  createTracker(): RedisProgressTracker {
    return trackerBesideQueues(this.settings.connection, this.settings.ownKeyPrefix);
  }

  /** Nothing to check: BullMQ connects when first used, and waits out a Redis that is not there yet. */
  async prepare(): Promise<void> {}

  /** Each BullMQ object gets options of its own (it opens its connections from them), or the shared client. */
  private where() {
    return { connection: bullConnection(this.settings.connection), prefix: this.settings.prefix };
  }
}
