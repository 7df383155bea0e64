/**
 * What a pg-boss job of ours carries (its `data`) and what it leaves in
 * pg-boss's `output` column: written by the transport and its delivery,
 * read by the status reads, which must agree on them to the letter.
 */
import type { JobProgress } from '../interfaces/job-status.interface.js';
import type { ResolvedJobOptions } from '../resolved-job-options.types.js';

/**
 * The job's name (queues are shared by names), the method's arguments, its
 * resolved options when the start changed them (otherwise the worker uses
 * the `@AsyncJob`'s own), and the caller's key when it chose the id.
 */
export interface BossJobData {
  readonly job: string;
  readonly args: readonly unknown[];
  readonly options?: ResolvedJobOptions;
  readonly key?: string;
}

/**
 * `output` while a job runs: its latest progress, and the attempt that
 * reported it, so a retry's fresh start (progress back to -1) is told from
 * what the previous attempt left. pg-boss has no progress of its own, and
 * replaces `output` with the result or the error when the attempt ends.
 */
export interface RunningOutput {
  readonly progress: JobProgress;
  readonly attempt: number;
}

/** `output` of a completed job: its result and its final progress. */
export interface CompletedOutput {
  readonly result: unknown;
  readonly progress?: JobProgress;
}
