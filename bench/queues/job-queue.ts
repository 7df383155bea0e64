import type { Variant } from '../harness/alternate.js';

/** A job as every queue under test runs it: sync, or returning a promise to wait for. */
export type Job = () => unknown;

/**
 * The one shape the scenarios drive: the library and each baseline behind
 * it, so that a scenario body is written once and run against all of them.
 */
export interface JobQueue {
  /** Hands a job over without waiting for anything, as a caller firing off work would. */
  submit(job: Job): void;
  /** Resolves once every job submitted so far has finished. */
  idle(): Promise<void>;
  /** Stops the queue, dropping what has not run. */
  close(): Promise<void>;
}

/** A queue implementation, opened afresh for every measured round. */
export interface QueueKind extends Variant {
  open(concurrency: number): Promise<JobQueue>;
}
