import type { JobStatus } from '../interfaces/job-status.interface.js';
import type { MaybePromise } from '../utils/maybe-promise.js';
import type { JobRecord } from '../worker/job-record.js';

/**
 * Where a job's progress and status are written as it moves: chosen once when
 * the module starts (see createStatusSink), so no step of a job asks which
 * tracker it has. Every method returns at once when the tracker answers at
 * once. Only {@link track} and {@link trackQueued} fail; every other write
 * that fails is logged, never thrown: a tracker must not stop a job.
 */
export interface StatusSink {
  /** A new job of this process: tracked (progress `{ -1, null }`), and its status saved where other processes read it. Rejects when the tracker refuses it. */
  track(record: JobRecord): MaybePromise<void>;
  /** A job this process does not run, held as queued (until the caller's transaction commits). Rejects when the tracker refuses it. */
  trackQueued(status: JobStatus): Promise<void>;
  /** Forgets the job's tracker entry. */
  untrack(id: string): Promise<void> | undefined;
  /** The job's status changed while it is active (running, queued for a retry). */
  saveActive(record: JobRecord): Promise<void> | undefined;
  /** The status of a job that does not run in this process; `retention` for a final one (0: forgotten at once). */
  saveStatus(status: JobStatus, retention?: number): Promise<void> | undefined;
  /** Progress the running job reported. */
  setProgress(record: JobRecord, value: number, data: unknown): Promise<void> | undefined;
  /** A retry starts from `{ -1, null }` again. */
  resetProgress(record: JobRecord): Promise<void> | undefined;
  /**
   * The job finished: its final status saved for the module's retention,
   * then its tracker entry removed, so `getProgress` answers `null` only once
   * everything about it is settled. Resolves to the status written, when one
   * was built.
   */
  saveFinal(record: JobRecord): MaybePromise<JobStatus | undefined>;
}
