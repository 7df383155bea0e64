import type { JobProgress, JobStatus } from '../interfaces/job-status.interface.js';

/** A value, or a promise of it: trackers may answer synchronously or not. */
export type Awaitable<T> = T | PromiseLike<T>;

/**
 * Where job progress is kept: four calls (track, setProgress, getProgress,
 * remove). Implement it to keep progress in any store; every method may
 * return a value or a promise.
 *
 * `data` handed to `setProgress` has already been checked to be
 * JSON-serialisable; a tracker should return what `JSON.parse(JSON.stringify(data))`
 * would, so every tracker behaves the same.
 *
 * @publicApi
 */
export interface ProgressTracker {
  /** A job was accepted: from now on `getProgress(id)` answers `{ value: -1, data: null }`. */
  track(id: string): Awaitable<void>;
  /** The job has finished (after its transaction settled): `getProgress(id)` answers `null` from now on. */
  remove(id: string): Awaitable<void>;
  /** The running job reported progress. */
  setProgress(id: string, value: number, data: unknown): Awaitable<void>;
  /** The job's progress, a copy; `null` when it is not tracked. */
  getProgress(id: string): Awaitable<JobProgress | null>;
}

/**
 * Optional extension of a tracker that also keeps job statuses, so that
 * `getStatus`, `waitFor` and the rest can read them wherever the tracker's
 * store is shared. A tracker without these two methods still works: the
 * module then keeps statuses in the process's memory.
 *
 * @publicApi
 */
export interface JobStatusStore {
  /**
   * Save a job's latest status. `retention` is set (in ms) only for a final
   * status: keep it that long, then forget it. An active status is kept
   * until the next save replaces it. `status` is a fresh snapshot that the
   * module never changes afterwards, so a store may keep it as it is.
   */
  saveStatus(status: JobStatus, retention?: number): Awaitable<void>;
  /** The latest saved status, a copy; `null` when unknown or expired. */
  getStatus(id: string): Awaitable<JobStatus | null>;
}

/** Whether a tracker also implements {@link JobStatusStore}. */
export function isJobStatusStore(tracker: ProgressTracker): tracker is ProgressTracker & JobStatusStore {
  const candidate = tracker as Partial<JobStatusStore>;
  return typeof candidate.saveStatus === 'function' && typeof candidate.getStatus === 'function';
}
