import { AsyncJobError } from './async-job.error.js';

/**
 * `waitFor(id, { timeout })` gave up before the job finished. The job itself
 * is not affected.
 *
 * @publicApi
 */
export class WaitTimeoutError extends AsyncJobError {
  constructor(
    readonly jobId: string,
    readonly timeout: number,
  ) {
    super(`Job ${jobId} did not finish within ${timeout} ms of waiting`);
  }
}
