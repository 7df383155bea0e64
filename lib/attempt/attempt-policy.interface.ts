import type { MaybePromise } from '../utils/maybe-promise.js';
import type { AttemptOutcome } from '../worker/attempt.types.js';
import type { JobRecord } from '../worker/job-record.js';

/**
 * What the end of an attempt means for whoever delivered the job: the
 * module's own worker (retries on its timers) or a queue (which retries, and
 * takes a job handed back). The attempt lifecycle is the same for both; only
 * these answers differ. `Answer` is what the deliverer is told.
 */
export interface AttemptPolicy<Answer> {
  /** The attempt's function has settled; nothing of the job's own code runs from here on. */
  ran(): void;
  /** Whether a failure of this attempt is retried. */
  retries(record: JobRecord): boolean;
  /** The attempt failed with attempts left: retry as this deliverer does. */
  retry(record: JobRecord, error: unknown): MaybePromise<Answer>;
  /** The job finished (completed, or failed for good) and its status is written. */
  finished(record: JobRecord, outcome: AttemptOutcome): Answer;
  /** The attempt was taken off while it ran (cancel, shutdown), already recorded by whoever took it off. */
  halted(record: JobRecord): MaybePromise<Answer>;
}
