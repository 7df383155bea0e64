import type { JobProgress } from '../interfaces/job-status.interface.js';

/** The progress of a job active in this process, from the service's own records; `undefined` for any other id. */
export type LiveProgressLookup = (id: string) => JobProgress | undefined;

/**
 * Key of the hook through which the memory tracker the module builds for
 * itself answers for active jobs. Internal: not exported from the package.
 */
export const LIVE_PROGRESS = Symbol('asyncjob:live-progress');

/**
 * Trackers the module built for itself (the default memory tracker). Nobody
 * else writes to them, so the service keeps its active jobs' progress in its
 * own records rather than copying every change into the tracker as well.
 */
export const moduleOwnedTrackers = new WeakSet<object>();
