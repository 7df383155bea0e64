import { DUPLICATE_JOB_NAME } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * Two `@AsyncJob` methods claim the same job name. Names must be unique
 * because a name is how a job is found again (and, later, sent to other
 * processes). Thrown at bootstrap.
 *
 * @publicApi
 */
export class DuplicateJobNameError extends AsyncJobError {
  readonly code = 'ASYNCJOB_DUPLICATE_JOB_NAME';

  constructor(
    readonly jobName: string,
    first: string,
    second: string,
  ) {
    super(DUPLICATE_JOB_NAME(jobName, first, second));
  }
}
