import type { LoggerService } from '@nestjs/common';
import type { AttemptLifecycle } from '../attempt/attempt-lifecycle.js';
import type { JobEventBus } from '../events/job-event-bus.js';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import { ShuttingDownError } from '../errors/shutting-down.error.js';
import type { JobTransport } from '../transport/job-transport.interface.js';
import type { LocalQueue } from '../transport/local-queue.js';
import type { JobBook } from '../worker/job-book.js';
import type { JobRecord } from '../worker/job-record.js';
import { settlesWithin } from '../utils/settles-within.js';
import type { JobSubmission } from './job-submission.js';

/**
 * Starts the module's jobs once the application is up, and stops them at
 * shutdown: no new job is accepted, running and queued ones get the grace
 * period, the rest are interrupted (a queue's job is handed back to it for
 * another worker), and what the module opened is closed.
 */
export class JobsOrchestrator {
  private readonly stopping = new AbortController();

  constructor(
    private readonly shutdownTimeout: number,
    private readonly submission: JobSubmission,
    private readonly book: JobBook,
    private readonly local: LocalQueue,
    private readonly lifecycle: AttemptLifecycle,
    private readonly bus: JobEventBus,
    private readonly logger: LoggerService,
    /** The transport of named jobs; the module's own engine (`local`'s) unless a queue is configured. */
    private readonly transport: JobTransport,
    /** The module's own engine, which carries every closure whatever the transport. */
    private readonly localEngine: JobTransport,
  ) {}

  /** Aborted once shutdown is over. */
  get stopped(): AbortSignal {
    return this.stopping.signal;
  }

  /** Starts taking the transport's jobs (a queue's worker role), once every `@AsyncJob` is registered. */
  bootstrap(): Promise<void> {
    return this.transport.startWorkers();
  }

  async shutdown(): Promise<void> {
    if (!this.submission.accepting) return;
    this.submission.close();
    // Worker role: no more jobs are taken from the queue; they stay in it for the next worker.
    await this.transport.pause();
    if (this.book.size > 0) await settlesWithin(this.book.whenIdle(), this.shutdownTimeout);
    await this.interruptUnfinished();
    await this.book.whenIdle();
    await this.transport.close();
    await this.localEngine.close();
    this.stopping.abort(new ShuttingDownError());
    this.bus.complete();
  }

  /**
   * Jobs still unfinished after the grace period: a queue's are handed back
   * to it, the module's own interrupted (so no tracker is left showing a
   * ghost job); both logged, each for what happens to it.
   */
  private async interruptUnfinished(): Promise<void> {
    const unfinished = this.book.values().filter((record) => !record.isFinal);
    if (unfinished.length === 0) return;
    const handedBack = unfinished.filter((record) => record.external);
    const interrupted = unfinished.filter((record) => !record.external);
    const late = (count: number) => `Shutting down: ${count} job(s) did not finish within ${this.shutdownTimeout} ms`;
    if (handedBack.length > 0) {
      this.logger.warn(`${late(handedBack.length)} and go back to the queue, for another worker: ${listed(handedBack)}`);
    }
    if (interrupted.length > 0) this.logger.warn(`${late(interrupted.length)} and were interrupted: ${listed(interrupted)}`);
    await Promise.all(
      unfinished.map((record) => {
        const reason = new JobCancelledError(record.id, 'interrupted');
        if (record.external) {
          // Handed back to the queue (its attempt answers `requeued`): another worker runs it again.
          this.book.setState(record, 'queued');
          this.local.halt(record, reason);
          return undefined;
        }
        this.local.halt(record, reason);
        return this.lifecycle.finish(record, 'interrupted', { ok: false, error: reason });
      }),
    );
  }
}

function listed(records: readonly JobRecord[]): string {
  return records.map((record) => `${record.id} (${record.name})`).join(', ');
}
