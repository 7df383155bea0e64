import { JOB_FAILED } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';
import type { JobError } from '../interfaces/job-status.interface.js';

/**
 * The error `progress$` ends with when its job fails: it carries the failed
 * job's recorded error (its name and message), which may come from another
 * process, so the original object is not available.
 *
 * @publicApi
 */
export class JobFailedError extends AsyncJobError {
  readonly code = 'ASYNCJOB_JOB_FAILED';

  constructor(
    readonly jobId: string,
    readonly failure: JobError,
  ) {
    super(JOB_FAILED(jobId, failure.name, failure.message));
  }
}
