import { TRANSPORT_NOT_STARTED } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * A job was given to a transport whose module has not started (or has shut
 * down): `start()` before the application is initialised.
 *
 * @publicApi
 */
export class TransportNotStartedError extends AsyncJobError {
  readonly code = 'ASYNCJOB_TRANSPORT_NOT_STARTED';

  constructor() {
    super(TRANSPORT_NOT_STARTED());
  }
}
