import { AsyncJobError } from './async-job.error.js';

/**
 * Two `@AsyncJob` methods claim the same job name. Names must be unique
 * because a name is how a job is found again (and, later, sent to other
 * processes). Thrown at bootstrap.
 *
 * @publicApi
 */
export class DuplicateJobNameError extends AsyncJobError {
  constructor(
    readonly jobName: string,
    first: string,
    second: string,
  ) {
    super(`Two @AsyncJob methods use the job name ${JSON.stringify(jobName)}: ${first} and ${second}; give one of them another name`);
  }
}
