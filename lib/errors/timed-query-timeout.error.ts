import { AsyncJobError } from './async-job.error.js';

/**
 * `timedQuery(query, { throwOnTimeout: true })` ran out of retries and the
 * query still returned nothing (`null`, `undefined` or an empty array).
 *
 * @publicApi
 */
export class TimedQueryTimeoutError extends AsyncJobError {
  constructor(
    /** How many times the query ran: the first try plus the retries. */
    readonly tries: number,
  ) {
    super(`timedQuery found nothing after ${tries} ${tries === 1 ? 'try' : 'tries'}`);
  }
}
