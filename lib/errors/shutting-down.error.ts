import { AsyncJobError } from './async-job.error.js';

/**
 * A job was submitted after the application began shutting down. It was not
 * accepted, and nothing about it was recorded.
 *
 * @publicApi
 */
export class ShuttingDownError extends AsyncJobError {
  constructor() {
    super('AsyncJobService is shutting down: no new jobs are accepted');
  }
}
