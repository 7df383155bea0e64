import { TRACKER_UNAVAILABLE } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * The progress tracker's store cannot be reached (connection lost, server
 * down, or no answer within the command timeout), so a tracker call failed
 * fast instead of waiting for it to come back. Nothing was read or written.
 *
 * Running jobs are not affected; `perform` rejects with this error rather
 * than accept a job it cannot track, and `getProgress`/`getStatus` reject
 * with it. Once the store is back, calls succeed again without a restart.
 * The module logs it once per outage, not once per call.
 *
 * @publicApi
 */
export class TrackerUnavailableError extends AsyncJobError {
  readonly code = 'ASYNCJOB_TRACKER_UNAVAILABLE';

  constructor(
    /** The store, e.g. `Redis at 127.0.0.1:6379 (db 15)`. */
    readonly store: string,
    /** The tracker call that failed, e.g. `getProgress`. */
    readonly operation: string,
    /** Why, e.g. `connect ECONNREFUSED 127.0.0.1:6379`. */
    readonly reason: string,
    cause?: unknown,
  ) {
    super(TRACKER_UNAVAILABLE(store, operation, reason));
    if (cause !== undefined) this.cause = cause;
  }
}
