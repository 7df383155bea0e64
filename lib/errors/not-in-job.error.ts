import { NOT_IN_JOB } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * A call that only makes sense inside a running job (`setProgress`,
 * `currentSignal`) was made elsewhere.
 *
 * @publicApi
 */
export class NotInJobError extends AsyncJobError {
  readonly code = 'ASYNCJOB_NOT_IN_JOB';

  constructor(what: string) {
    super(NOT_IN_JOB(what));
  }
}
