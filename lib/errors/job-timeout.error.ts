import { JOB_TIMEOUT } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * A job ran longer than its `timeout`. It is recorded as failed with this
 * error, and its `AbortSignal` is aborted with it.
 *
 * @publicApi
 */
export class JobTimeoutError extends AsyncJobError {
  readonly code = 'ASYNCJOB_JOB_TIMEOUT';

  constructor(
    readonly jobId: string,
    readonly timeout: number,
  ) {
    super(JOB_TIMEOUT(jobId, timeout));
  }
}
