import type { Job, JobQueue } from './job-queue.js';

/**
 * Submits `total` jobs in chunks of `chunk`, waiting for each chunk to finish
 * before the next: a steady feed when `chunk` is small, one burst when it is
 * `total`.
 */
export async function feed(queue: JobQueue, job: Job, total: number, chunk: number): Promise<void> {
  for (let sent = 0; sent < total; sent += chunk) {
    const count = Math.min(chunk, total - sent);
    for (let i = 0; i < count; i++) queue.submit(job);
    await queue.idle();
  }
}

/** The trivial job of the throughput and memory scenarios: nothing to do, so only the queue's cost shows. */
export const NOOP_JOB: Job = () => undefined;
