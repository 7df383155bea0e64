import { AsyncJobError } from './async-job.error.js';

/**
 * A job's function succeeded but committing its transaction failed (a
 * deferred constraint, a serialization failure, a lost connection...). The
 * job counts as failed, like a job that threw; `cause` is the database's
 * error.
 *
 * @publicApi
 */
export class CommitFailedError extends AsyncJobError {
  constructor(
    readonly jobId: string,
    cause: unknown,
  ) {
    super(`Committing the transaction of job ${jobId} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.cause = cause;
  }
}
