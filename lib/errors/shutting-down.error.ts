import { SHUTTING_DOWN } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * A job was submitted after the application began shutting down. It was not
 * accepted, and nothing about it was recorded.
 *
 * @publicApi
 */
export class ShuttingDownError extends AsyncJobError {
  readonly code = 'ASYNCJOB_SHUTTING_DOWN';

  constructor() {
    super(SHUTTING_DOWN());
  }
}
