/**
 * What a BullMQ job of ours carries, and our id read from it: written by
 * the add batcher, read by the delivery, the status reads and cancel, which
 * must agree on it to the letter.
 */
import type { Job } from 'bullmq';
import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import { numberedId } from './queue-job-id.js';

/**
 * The method's arguments, and its resolved options when the start changed
 * them (otherwise the worker uses the `@AsyncJob`'s own, so every job's data
 * stays small).
 */
export interface JobData {
  readonly args: readonly unknown[];
  readonly options?: ResolvedJobOptions;
  /** The secret of a job BullMQ numbered: part of its id (see queue-job-id). */
  readonly secret?: string | undefined;
}

/** A BullMQ job as the transport reads it. */
export type QueueJob = Job<JobData>;

/** Our id of a BullMQ job: its own, or made of its number and its secret. */
export function idOf(job: Job): string {
  const secret = (job.data as Partial<JobData> | undefined)?.secret;
  return secret === undefined ? job.id! : numberedId(job.id!, secret);
}
