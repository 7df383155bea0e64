/**
 * Options of `AsyncJobService.timedQuery()`. With the defaults the query runs
 * after 1 s, then up to 10 more times 6 s apart: 11 tries and at most 61 s of
 * waiting.
 *
 * @publicApi
 */
export interface TimedQueryOptions {
  /** How many times the query is run again after the first empty result. @default 10 */
  readonly retries?: number;
  /** Wait in ms before each retry. @default 6000 */
  readonly interval?: number;
  /** Wait in ms before the first try. @default 1000 */
  readonly initialDelay?: number;
  /**
   * When the retries run out, reject with a `TimedQueryTimeoutError` rather
   * than resolve to `null`. @default false
   */
  readonly throwOnTimeout?: boolean;
  /**
   * Stops the waiting early, rejecting with the signal's reason. Inside a
   * job the job's own signal (cancel, timeout, shutdown) is always obeyed.
   */
  readonly signal?: AbortSignal;
}
