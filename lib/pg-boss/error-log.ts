/**
 * The transport's one logger: while PostgreSQL is away, pg-boss's workers
 * and our own connection each emit an error per retry, so every piece
 * reports through one throttle.
 */
import { Logger } from '@nestjs/common';
import { toJobError } from '../utils/job-error.js';

/** At most one line per this many ms for a stream of errors. */
const ERROR_LOG_INTERVAL = 10_000;

/** How a piece of the transport reports an error no caller is there to receive. */
export type ReportError = (where: string, error: unknown) => void;

export class ThrottledErrorLog {
  private readonly logger = new Logger('AsyncJob:PgBoss');
  private lastErrorLog = 0;

  /** Bound, so pieces are handed the function itself. */
  readonly report: ReportError = (where, error) => {
    const now = Date.now();
    if (now - this.lastErrorLog < ERROR_LOG_INTERVAL) return;
    this.lastErrorLog = now;
    this.logger.error(
      `pg-boss ${where}: ${toJobError(error).message} (further errors within ${ERROR_LOG_INTERVAL / 1000} s are not logged)`,
    );
  };

  /** Not throttled: said once, by the owner, about something it gave up on. */
  warn(message: string): void {
    this.logger.warn(message);
  }
}
