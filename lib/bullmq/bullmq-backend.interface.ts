/**
 * Where BullMQ keeps the transport's queues: Redis, or BullMQ's PostgreSQL
 * backend. The transport picks one in its constructor, from the
 * `connection` option, and never asks again; everything that differs
 * between the two stores is behind this interface, so the lanes, the
 * delivery, the feed and cancel use BullMQ's own API only.
 */
import type { Processor, Queue, QueueEvents, Worker, WorkerOptions } from 'bullmq';
import type { JobStatusStore, ProgressTracker } from '../progress/progress-tracker.interface.js';
import type { CancelChannel } from './cancel-channel.interface.js';

/** A worker's options but where it connects, which the backend adds. */
export type WorkerSettings = Omit<WorkerOptions, 'connection' | 'prefix'>;

/** BullMQ's queues, workers and event readers on one store, with the channel and the tracker that go beside them. */
export interface BullMqBackend {
  /** The store, as log lines name it: `Redis` or `PostgreSQL`. */
  readonly store: string;
  /** Cancel requests for jobs running in another process, on a channel of the same store. */
  readonly cancels: CancelChannel;
  openQueue(name: string): Queue;
  openWorker(name: string, processor: Processor, settings: WorkerSettings): Worker;
  openQueueEvents(name: string): QueueEvents;
  /** The module's tracker when none is given: on the same store, so that every process shares the statuses. */
  createTracker(): ProgressTracker & JobStatusStore;
  /** At bootstrap, before any worker starts: a store that would fail every job fails start-up instead. */
  prepare(queues: readonly Queue[]): Promise<void>;
}
