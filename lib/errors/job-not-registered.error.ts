import { METHOD_NOT_REGISTERED, NAME_NOT_REGISTERED } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * A job names an `@AsyncJob` that this process does not have: `start()` was
 * given a class method that is not a discovered `@AsyncJob` (the method
 * lacks the decorator, or the class is not a provider of any module in the
 * application), or a worker process received a job whose name none of its
 * providers declares.
 *
 * @publicApi
 */
export class JobNotRegisteredError extends AsyncJobError {
  readonly code = 'ASYNCJOB_JOB_NOT_REGISTERED';

  private constructor(
    /** The job's name, e.g. `MediaService.thumbnails`. */
    readonly jobName: string,
    message: string,
  ) {
    super(message);
  }

  /** `start()` of `className.methodName`, which is no discovered `@AsyncJob`. */
  static forMethod(className: string, methodName: string): JobNotRegisteredError {
    return new JobNotRegisteredError(`${className}.${methodName}`, METHOD_NOT_REGISTERED(className, methodName));
  }

  /** A job delivered by a queue under a name no `@AsyncJob` of this process has. */
  static forName(jobName: string): JobNotRegisteredError {
    return new JobNotRegisteredError(jobName, NAME_NOT_REGISTERED(jobName));
  }
}
