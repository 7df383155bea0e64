import { QUEUE_FULL } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * `perform` was called while `maxQueued` jobs were already waiting. The job
 * was not accepted; the caller may retry later or shed the load.
 *
 * @publicApi
 */
export class QueueFullError extends AsyncJobError {
  readonly code = 'ASYNCJOB_QUEUE_FULL';

  constructor(readonly maxQueued: number) {
    super(QUEUE_FULL(maxQueued));
  }
}
