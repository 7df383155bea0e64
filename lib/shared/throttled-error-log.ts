/**
 * A queue transport's one logger. While its store is away, the engine's
 * queues and workers and our own connections each emit an error per retry:
 * every piece reports through one throttle, so an outage reads as a line now
 * and then instead of burying the app's own logs.
 */
import { Logger } from '@nestjs/common';
import { toJobError } from '../utils/job-error.js';

/** At most one line per this many ms for a stream of errors. */
const ERROR_LOG_INTERVAL = 10_000;

/** How a piece of a transport reports an error no caller is there to receive. */
export type ReportError = (where: string, error: unknown) => void;

export class ThrottledErrorLog {
  private readonly logger: Logger;
  private lastErrorLog = 0;

  /** `engine` names the engine in the logger's context and in each line (`BullMQ`, `pg-boss`). */
  constructor(
    private readonly engine: string,
    context: string,
  ) {
    this.logger = new Logger(context);
  }

  /** Bound, so pieces are handed the function itself. */
  readonly report: ReportError = (where, error) => {
    const now = Date.now();
    if (now - this.lastErrorLog < ERROR_LOG_INTERVAL) return;
    this.lastErrorLog = now;
    this.logger.error(
      `${this.engine} ${where}: ${toJobError(error).message} (further errors within ${ERROR_LOG_INTERVAL / 1000} s are not logged)`,
    );
  };

  /** Not throttled: said once, by the owner, about something it gave up on. */
  warn(message: string): void {
    this.logger.warn(message);
  }
}
