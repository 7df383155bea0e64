import type { JobError, JobProgress } from './job-status.interface.js';

/**
 * What every {@link JobEvent} carries: which job, and when.
 *
 * @publicApi
 */
export interface JobEventBase {
  /** The job's id. */
  readonly id: string;
  /** The job's name. */
  readonly name: string;
  /** Epoch milliseconds. */
  readonly at: number;
}

/**
 * A job's lifecycle event, as emitted by `AsyncJobService.events$`.
 *
 * @publicApi
 */
export type JobEvent =
  | (JobEventBase & { readonly type: 'queued' })
  | (JobEventBase & { readonly type: 'started'; readonly attempt: number })
  | (JobEventBase & { readonly type: 'progress'; readonly progress: JobProgress })
  | (JobEventBase & { readonly type: 'completed'; readonly result: unknown })
  | (JobEventBase & { readonly type: 'retrying'; readonly attempt: number; readonly delay: number; readonly error: JobError })
  | (JobEventBase & { readonly type: 'failed'; readonly error: JobError })
  | (JobEventBase & { readonly type: 'cancelled'; readonly error: JobError })
  | (JobEventBase & { readonly type: 'interrupted'; readonly error: JobError });

/** @publicApi */
export type JobEventType = JobEvent['type'];
