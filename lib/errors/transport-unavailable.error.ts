import { TRANSPORT_UNAVAILABLE } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * The job transport's store (the queue's database) cannot be reached, so a
 * call that needs it failed at once instead of waiting for it to come back:
 * `start` enqueued nothing; `getStatus` or `cancel` of a job the queue holds
 * read or changed nothing. Jobs already queued stay queued, and the workers
 * carry on once the store is back; calls then succeed again without a
 * restart. `waitFor` and `progress$` wait through it.
 *
 * @publicApi
 */
export class TransportUnavailableError extends AsyncJobError {
  readonly code = 'ASYNCJOB_TRANSPORT_UNAVAILABLE';

  constructor(
    /** The store, e.g. `pg-boss in PostgreSQL (schema asyncjob_boss)`. */
    readonly store: string,
    /** The call that failed, e.g. `start`. */
    readonly operation: string,
    /** Why, e.g. `connect ECONNREFUSED 127.0.0.1:5432`. */
    readonly reason: string,
    cause?: unknown,
  ) {
    super(TRANSPORT_UNAVAILABLE(store, operation, reason));
    if (cause !== undefined) this.cause = cause;
  }
}
