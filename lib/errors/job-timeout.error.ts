import { AsyncJobError } from './async-job.error.js';

/**
 * A job ran longer than its `timeout`. It is recorded as failed with this
 * error, and its `AbortSignal` is aborted with it.
 *
 * @publicApi
 */
export class JobTimeoutError extends AsyncJobError {
  constructor(
    readonly jobId: string,
    readonly timeout: number,
  ) {
    super(`Job ${jobId} timed out after ${timeout} ms`);
  }
}
