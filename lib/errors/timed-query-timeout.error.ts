import { TIMED_QUERY_TIMEOUT } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * `timedQuery(query, { throwOnTimeout: true })` ran out of retries and the
 * query still returned nothing (`null`, `undefined` or an empty array).
 *
 * @publicApi
 */
export class TimedQueryTimeoutError extends AsyncJobError {
  readonly code = 'ASYNCJOB_TIMED_QUERY_TIMEOUT';

  constructor(
    /** How many times the query ran: the first try plus the retries. */
    readonly tries: number,
  ) {
    super(TIMED_QUERY_TIMEOUT(tries));
  }
}
