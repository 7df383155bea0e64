import { AsyncJobError } from './async-job.error.js';

/**
 * A job was cancelled (by `cancel()`) or interrupted (by shutdown). It is the
 * reason its `AbortSignal` carries, and the error `progress$` ends with.
 *
 * @publicApi
 */
export class JobCancelledError extends AsyncJobError {
  constructor(
    readonly jobId: string,
    readonly reason: string,
  ) {
    super(`Job ${jobId} was ${reason}`);
  }
}
