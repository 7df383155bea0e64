import type { JobContext } from './job-context.js';
import type { AttemptOutcome } from './attempt.types.js';

/**
 * Something that lives exactly as long as one attempt of a job and may change
 * how it ends, such as the attempt's database transaction. The runner hands
 * out an attempt's outcome only once {@link AttemptResource.close} has
 * resolved, so whoever records the outcome knows the resource is settled.
 */
export interface AttemptScope {
  /**
   * Called synchronously as an attempt starts, before the job's function
   * runs. Must not throw, and should take nothing costly until the job uses
   * it. `undefined` when the attempt needs nothing.
   */
  open(context: JobContext): AttemptResource | undefined;
}

/** One attempt's resource. */
export interface AttemptResource {
  /**
   * Ends the resource given how the attempt ended (commit after success,
   * rollback after failure) and resolves to the outcome to record: a failing
   * commit turns a success into a failure. Never rejects.
   */
  close(outcome: AttemptOutcome): Promise<AttemptOutcome>;
}
