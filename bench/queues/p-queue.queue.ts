import PQueue from 'p-queue';
import type { Job, JobQueue, QueueKind } from './job-queue.js';

/** The baseline a user picks off the shelf: p-queue at the same concurrency (no ids, no status). */
class PQueueQueue implements JobQueue {
  private readonly queue: PQueue;

  constructor(concurrency: number) {
    this.queue = new PQueue({ concurrency });
  }

  submit(job: Job): void {
    void this.queue.add(job);
  }

  idle(): Promise<void> {
    return this.queue.onIdle();
  }

  async close(): Promise<void> {
    this.queue.clear();
  }
}

export const pQueue: QueueKind = {
  name: 'p-queue 9',
  role: 'baseline',
  open: async (concurrency) => new PQueueQueue(concurrency),
};
