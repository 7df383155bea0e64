import type { JobTransactionOptions } from './job-transaction-options.interface.js';

/**
 * Exponential backoff between attempts: the n-th retry waits
 * `delay * factor ** (n - 1)` milliseconds, capped at `maxDelay`.
 *
 * @publicApi
 */
export interface BackoffOptions {
  /** First retry's delay in ms. @default 1000 */
  readonly delay?: number;
  /** Multiplier per further retry. @default 2 */
  readonly factor?: number;
  /** Upper bound of any delay in ms. @default 3_600_000 */
  readonly maxDelay?: number;
}

/**
 * Options that shape how one job runs. They can be set module-wide
 * (`defaultJobOptions`), per `@AsyncJob` method, or per call.
 *
 * @publicApi
 */
export interface JobOptions {
  /**
   * Longest time in ms one attempt may run. Past it the attempt fails with a
   * `JobTimeoutError` and its `AbortSignal` is aborted. @default none
   */
  readonly timeout?: number;
  /** How many times the job may be started in all; 1 means no retry. @default 1 */
  readonly attempts?: number;
  /** Delay between attempts. @default `{ delay: 1000, factor: 2 }` */
  readonly backoff?: BackoffOptions;
  /**
   * The job's database transaction, when the module has a `dataSource`:
   * `false` for none (`entityManager()` then throws), or its isolation level.
   * Each attempt opens its transaction on first use, commits it when the
   * job succeeds and rolls it back when it fails.
   * @default `{}`: a transaction at the default isolation level
   */
  readonly transaction?: false | JobTransactionOptions;
}

/**
 * Options for one call of `performWith`.
 *
 * @publicApi
 */
export interface PerformOptions extends JobOptions {
  /** The job's name in its status, events and logs. @default the function's name, or `anonymous` */
  readonly name?: string;
}
