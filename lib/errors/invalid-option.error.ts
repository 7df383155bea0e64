import { INVALID_OPTION } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * A module option (or a per-job option) has a value the module cannot use.
 * Thrown at bootstrap for module options, so a bad configuration never
 * reaches production traffic.
 *
 * @publicApi
 */
export class InvalidOptionError extends AsyncJobError {
  readonly code = 'ASYNCJOB_INVALID_OPTION';

  constructor(
    /** The option's name, e.g. `concurrency`. */
    readonly option: string,
    /** The value that was given. */
    readonly value: unknown,
    expected: string,
  ) {
    super(INVALID_OPTION(option, expected, value));
  }
}
