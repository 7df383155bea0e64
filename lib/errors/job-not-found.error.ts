import { JOB_NOT_FOUND } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * No job with this id is known: it never existed here, or its status has
 * outlived the retention period.
 *
 * @publicApi
 */
export class JobNotFoundError extends AsyncJobError {
  readonly code = 'ASYNCJOB_JOB_NOT_FOUND';

  constructor(readonly jobId: string) {
    super(JOB_NOT_FOUND(jobId));
  }
}
