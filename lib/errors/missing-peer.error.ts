import { MISSING_PEER } from '../async-job.messages.js';
import { AsyncJobError } from './async-job.error.js';

/**
 * A feature needs an optional peer dependency (`ioredis`, `bullmq`) that is
 * not installed. Thrown when the feature starts, with the install command.
 *
 * @publicApi
 */
export class MissingPeerError extends AsyncJobError {
  readonly code = 'ASYNCJOB_MISSING_PEER';

  constructor(
    /** The package to install, e.g. `ioredis`. */
    readonly packageName: string,
    feature: string,
    cause: unknown,
  ) {
    super(MISSING_PEER(packageName, feature, cause instanceof Error ? cause.message : String(cause)));
    this.cause = cause;
  }
}
