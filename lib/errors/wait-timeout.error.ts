import { WAIT_TIMEOUT } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * `waitFor(id, { timeout })` gave up before the job finished. The job itself
 * is not affected.
 *
 * @publicApi
 */
export class WaitTimeoutError extends AsyncJobError {
  readonly code = 'ASYNCJOB_WAIT_TIMEOUT';

  constructor(
    readonly jobId: string,
    readonly timeout: number,
  ) {
    super(WAIT_TIMEOUT(jobId, timeout));
  }
}
