import type { BackoffOptions } from '../interfaces/job-options.interface.js';

/** Delay before retry number `retry` (1 for the first retry). */
export function backoffDelay(backoff: Required<BackoffOptions>, retry: number): number {
  return Math.min(backoff.maxDelay, backoff.delay * backoff.factor ** (retry - 1));
}
