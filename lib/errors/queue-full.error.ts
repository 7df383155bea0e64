import { AsyncJobError } from './async-job.error.js';

/**
 * `perform` was called while `maxQueued` jobs were already waiting. The job
 * was not accepted; the caller may retry later or shed the load.
 *
 * @publicApi
 */
export class QueueFullError extends AsyncJobError {
  constructor(readonly maxQueued: number) {
    super(`AsyncJob queue is full: ${maxQueued} jobs are already waiting (option "maxQueued"); the job was not accepted`);
  }
}
