import { AsyncJobError } from './async-job.error.js';

/**
 * Why a job cannot be enqueued inside the caller's transaction:
 * - `unsupported`: the module's transport cannot write its queue inside a
 *   database transaction (the in-process engine, BullMQ): use
 *   `startAfterCommit`, which enqueues once the transaction has committed;
 * - `not-postgres`: the transaction is not on a PostgreSQL DataSource;
 * - `other-database`: the transaction's database is not the one that holds
 *   the transport's queue (another DataSource, or another database).
 *
 * @publicApi
 */
export type EnqueueInTransactionReason = 'unsupported' | 'not-postgres' | 'other-database';

const HINTS: Readonly<Record<EnqueueInTransactionReason, string>> = {
  unsupported: 'its transport cannot enqueue inside a database transaction (use startAfterCommit, or the pg-boss transport)',
  'not-postgres': 'the transaction is not on a PostgreSQL DataSource (pg-boss keeps its queue in PostgreSQL)',
  'other-database':
    "the transaction's database does not hold the transport's queue (give a transaction of the DataSource whose database the PgBossTransport uses)",
};

/**
 * `startIn` (enqueue inside the caller's transaction) was given a
 * transaction the module's transport cannot write its queue in.
 *
 * @publicApi
 */
export class EnqueueInTransactionError extends AsyncJobError {
  readonly code = 'ASYNCJOB_ENQUEUE_IN_TRANSACTION';

  constructor(
    readonly reason: EnqueueInTransactionReason,
    /** The call that failed, e.g. `startIn`. */
    readonly call: string,
    detail = '',
  ) {
    super(`${call}: ${HINTS[reason]}${detail ? `: ${detail}` : ''}`);
  }
}
