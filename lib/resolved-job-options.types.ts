import type { BackoffOptions } from './interfaces/job-options.interface.js';
import type { JobTransactionOptions } from './interfaces/job-transaction-options.interface.js';

/** Job options with every default filled in. */
export interface ResolvedJobOptions {
  readonly timeout?: number;
  readonly attempts: number;
  readonly backoff: Required<BackoffOptions>;
  /** Absent: a transaction at the default isolation level, when there is a DataSource. */
  readonly transaction?: false | JobTransactionOptions;
}
