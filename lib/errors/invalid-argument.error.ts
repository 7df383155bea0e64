import { AsyncJobError } from './async-job.error.js';

/**
 * A method of the service was called with an argument it cannot use: a
 * `perform` that is given no function, a job id that is not a string, a
 * progress value that is not a finite integer, progress data or job
 * arguments that are not JSON, a transaction handle that is no QueryRunner
 * or EntityManager. Thrown (or rejected with) at the call, before anything
 * is queued.
 *
 * @publicApi
 */
export class InvalidArgumentError extends AsyncJobError {
  readonly code = 'ASYNCJOB_INVALID_ARGUMENT';

  constructor(
    /** Which argument of which call, e.g. `AsyncJobService.perform fn` or `setProgress data`. */
    readonly argument: string,
    /** The value that was given. */
    readonly value: unknown,
    message: string,
  ) {
    super(message);
  }
}
