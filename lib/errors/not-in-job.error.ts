import { AsyncJobError } from './async-job.error.js';

/**
 * A call that only makes sense inside a running job (`setProgress`,
 * `currentSignal`) was made elsewhere.
 *
 * @publicApi
 */
export class NotInJobError extends AsyncJobError {
  constructor(what: string) {
    super(`${what} can only be called inside a running job (from the function given to perform, or an @AsyncJob method)`);
  }
}
