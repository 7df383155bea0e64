import { AsyncJobError } from './async-job.error.js';

/**
 * No job with this id is known: it never existed here, or its status has
 * outlived the retention period.
 *
 * @publicApi
 */
export class JobNotFoundError extends AsyncJobError {
  constructor(readonly jobId: string) {
    super(`No job with id ${JSON.stringify(jobId)} is known (never created, or its status has expired)`);
  }
}
