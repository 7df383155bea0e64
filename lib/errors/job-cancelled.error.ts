import { JOB_CANCELLED } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * Why a job ended without running to its end:
 * - `cancelled`: by `cancel()`;
 * - `interrupted`: by application shutdown, after its grace period;
 * - `dropped`: it was to start after a transaction committed, and the
 *   transaction rolled back (or its QueryRunner was released) instead.
 *
 * @publicApi
 */
export type JobCancelReason = 'cancelled' | 'interrupted' | 'dropped';

/**
 * A job was cancelled, interrupted or dropped (see {@link JobCancelReason}).
 * It is the reason its `AbortSignal` carries, and the error `progress$` ends
 * with.
 *
 * @publicApi
 */
export class JobCancelledError extends AsyncJobError {
  readonly code = 'ASYNCJOB_JOB_CANCELLED';

  constructor(
    readonly jobId: string,
    readonly reason: JobCancelReason,
    /** For `dropped`: what happened to the transaction. */
    readonly detail?: string,
  ) {
    super(JOB_CANCELLED(jobId, reason, detail));
  }
}
