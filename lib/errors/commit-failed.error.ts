import { COMMIT_FAILED } from '../async-job.messages.js';
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
  readonly code = 'ASYNCJOB_COMMIT_FAILED';

  constructor(
    readonly jobId: string,
    cause: unknown,
  ) {
    super(COMMIT_FAILED(jobId, cause));
    this.cause = cause;
  }
}
