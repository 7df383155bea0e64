import type { LoggerService } from '@nestjs/common';
import { TrackerUnavailableError } from '../errors/tracker-unavailable.error.js';
import { stackOf, toJobError } from '../utils/job-error.js';
import { isThenable } from '../utils/is-thenable.js';

/**
 * Tracker calls whose failure must not stop a job or the worker: a failure is
 * logged, never thrown. An outage (`TrackerUnavailableError`) is logged once
 * when it starts and once when it ends, not once per call.
 */
export class TrackerCalls {
  private down = false;

  constructor(private readonly logger: LoggerService) {}

  /**
   * Makes the call. A synchronous tracker (the memory one) gets no promise:
   * this sits on the path of every job.
   */
  call(operation: string, id: string, call: () => unknown): Promise<void> | undefined {
    let result: unknown;
    try {
      result = call();
    } catch (error) {
      this.failed(error, operation, id);
      return undefined;
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        () => this.answered(),
        (error: unknown) => this.failed(error, operation, id),
      );
    }
    this.answered();
    return undefined;
  }

  private answered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log('Progress tracker is available again');
  }

  private failed(error: unknown, operation: string, id: string): void {
    if (error instanceof TrackerUnavailableError) {
      if (this.down) return;
      this.down = true;
      this.logger.error(`${error.message} (${operation} for job ${id}); jobs go on, further failures are not logged until it is back`);
      return;
    }
    this.logger.error(`Progress tracker ${operation} failed for job ${id}: ${toJobError(error).message}`, stackOf(error));
  }
}
