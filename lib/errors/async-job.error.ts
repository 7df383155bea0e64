/**
 * The stable code of each error of the module, for logs, metrics and
 * exception filters that must not depend on message text.
 *
 * @publicApi
 */
export type AsyncJobErrorCode =
  | 'ASYNCJOB_INVALID_OPTION'
  | 'ASYNCJOB_INVALID_ARGUMENT'
  | 'ASYNCJOB_SHUTTING_DOWN'
  | 'ASYNCJOB_QUEUE_FULL'
  | 'ASYNCJOB_NOT_IN_JOB'
  | 'ASYNCJOB_JOB_NOT_FOUND'
  | 'ASYNCJOB_JOB_NOT_REGISTERED'
  | 'ASYNCJOB_DUPLICATE_JOB_NAME'
  | 'ASYNCJOB_JOB_TIMEOUT'
  | 'ASYNCJOB_JOB_CANCELLED'
  | 'ASYNCJOB_JOB_FAILED'
  | 'ASYNCJOB_WAIT_TIMEOUT'
  | 'ASYNCJOB_NO_TRANSACTION'
  | 'ASYNCJOB_ENQUEUE_IN_TRANSACTION'
  | 'ASYNCJOB_COMMIT_FAILED'
  | 'ASYNCJOB_TIMED_QUERY_TIMEOUT'
  | 'ASYNCJOB_TRACKER_UNAVAILABLE'
  | 'ASYNCJOB_MISSING_PEER'
  | 'ASYNCJOB_TRANSPORT_NOT_STARTED'
  | 'ASYNCJOB_TRANSPORT_UNAVAILABLE';

/**
 * Base class of every error this module throws on purpose, so callers can
 * catch the module's errors as a family (`err instanceof AsyncJobError`, or
 * an exception filter on it) and tell them apart by {@link code}.
 *
 * @publicApi
 */
export abstract class AsyncJobError extends Error {
  /** What went wrong, as a stable code (the message may change between versions). */
  abstract readonly code: AsyncJobErrorCode;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
