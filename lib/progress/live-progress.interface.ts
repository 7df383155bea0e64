import type { JobProgress } from '../interfaces/job-status.interface.js';

/** Where the module's own memory tracker reads the progress of the jobs active in its process. */
export interface LiveProgress {
  /** The job's progress now, or `undefined` when it is not active in this process. */
  progressOf(id: string): JobProgress | undefined;
}
