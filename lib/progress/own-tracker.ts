import type { JobProgress, JobStatus } from '../interfaces/job-status.interface.js';

/**
 * Hooks between the service and the memory tracker the module builds for
 * itself (the default one). Internal: none of this is exported from the
 * package.
 *
 * Nobody else writes to that tracker, so the service keeps its active jobs'
 * progress in its own records rather than copying every change into it, and
 * hands a finished job's fields over directly rather than as a status
 * snapshot.
 */

/** The progress of a job active in this process, from the service's own records; `undefined` for any other id. */
export type LiveProgressLookup = (id: string) => JobProgress | undefined;

/** Key of the hook through which the tracker answers for active jobs. */
export const LIVE_PROGRESS = Symbol('asyncjob:live-progress');

/** Key of the method that keeps a finished job's status, read from its fields. */
export const RETAIN_FINISHED = Symbol('asyncjob:retain-finished');

/** Trackers the module built for itself. */
export const moduleOwnedTrackers = new WeakSet<object>();

/** A finished job's fields, as the service's record holds them: a status with its progress data still as JSON text. */
export type FinishedJob = Omit<JobStatus, 'progress'> & {
  readonly progressValue: number;
  readonly progressJson: string | null;
};
