import { NO_TRANSACTION } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * Why there is no transaction to give:
 * - `no-data-source`: the module was configured without a `dataSource`;
 * - `outside-job`: the call was made outside a running job;
 * - `disabled`: the job runs with `transaction: false`;
 * - `finished`: the job's attempt is over (returned, failed, timed out or
 *   was cancelled), so its transaction has ended;
 * - `inactive`: the QueryRunner or EntityManager given to
 *   `performAfterCommit` is not inside an active transaction.
 *
 * @publicApi
 */
export type NoTransactionReason = 'no-data-source' | 'outside-job' | 'disabled' | 'finished' | 'inactive';

/**
 * A call needed a database transaction and there is none: asking for a job's
 * `entityManager()` or `queryRunner()` without a configured DataSource,
 * outside a job, in a job with `transaction: false` or after its attempt has
 * ended; or enqueueing after the commit of a transaction that is not active.
 *
 * @publicApi
 */
export class NoTransactionError extends AsyncJobError {
  readonly code = 'ASYNCJOB_NO_TRANSACTION';

  constructor(
    readonly reason: NoTransactionReason,
    /** The call that failed, e.g. `entityManager`. */
    readonly call: string,
    detail = '',
  ) {
    super(`${call}: ${NO_TRANSACTION[reason](detail)}`);
  }
}
