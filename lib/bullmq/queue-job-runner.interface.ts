/**
 * What the lanes' BullMQ workers need from whoever runs the jobs they take:
 * the lanes own the workers, the delivery owns the jobs, and neither reaches
 * into the other (the delivery implements this; the lanes only call it).
 */
import type { QueueJob } from './job-data.js';

export interface QueueJobRunner {
  /**
   * BullMQ's processor: what it returns (a value, a promise, a throw) is
   * BullMQ's answer for the job. Not `async` by contract, so a job answered
   * at once costs no promise.
   */
  process(job: QueueJob, token: string | undefined): unknown;
  /** BullMQ's custom backoff: the delay before retry number `retry` of `job`, in ms. */
  retryDelay(job: { name: string; data: unknown } | undefined, retry: number): number;
  /** BullMQ has recorded how `job` ended (completed or failed): its job hash answers for it from now on. */
  ended(job: QueueJob | undefined): void;
}
