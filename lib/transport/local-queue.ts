import type { AttemptLifecycle } from '../attempt/attempt-lifecycle.js';
import type { AttemptPolicy } from '../attempt/attempt-policy.interface.js';
import type { StatusSink } from '../progress/status-sink.interface.js';
import { backoffDelay } from '../utils/backoff.js';
import { andThen, type MaybePromise } from '../utils/maybe-promise.js';
import type { JobBook } from '../worker/job-book.js';
import type { JobRecord } from '../worker/job-record.js';
import { JobWorker } from '../worker/job-worker.js';

/**
 * Jobs that run in this process, on the module's RxJS worker (see
 * JobWorker): their queue, their retries on timers of this process, and
 * taking one off (cancel, shutdown). A failed attempt with attempts left
 * waits out its backoff and queues again.
 */
export class LocalQueue implements AttemptPolicy<void> {
  private readonly worker: JobWorker<JobRecord>;

  constructor(
    concurrency: number,
    paused: boolean,
    private readonly lifecycle: AttemptLifecycle,
    private readonly book: JobBook,
    private readonly sink: StatusSink,
  ) {
    // A bound method rather than an arrow: every worker of the process then runs the same function (see JobWorker).
    this.worker = new JobWorker(concurrency, this.runAttempt.bind(this), { paused });
  }

  get isPaused(): boolean {
    return this.worker.isPaused;
  }

  enqueue(record: JobRecord): void {
    this.worker.enqueue(record);
  }

  /** Takes a job off: out of the queue, its retry timer cleared, its running attempt aborted. */
  halt(record: JobRecord, reason: Error): void {
    this.worker.remove(record);
    if (record.retryTimer) clearTimeout(record.retryTimer);
    record.retryTimer = undefined;
    record.context?.abort(reason);
  }

  pause(): void {
    this.worker.pause();
  }

  resume(): void {
    this.worker.resume();
  }

  stop(): void {
    this.worker.stop();
  }

  ran(): void {}

  retries(record: JobRecord): boolean {
    return record.attempts < record.options.attempts;
  }

  async retry(record: JobRecord, error: unknown): Promise<void> {
    const delay = backoffDelay(record.options.backoff, record.attempts);
    this.book.setState(record, 'queued');
    record.progressValue = -1;
    record.progressJson = null;
    await this.sink.resetProgress(record);
    await this.sink.saveActive(record);
    if (!record.is('queued')) return;
    this.lifecycle.retrying(record, delay, error);
    record.retryTimer = setTimeout(() => {
      record.retryTimer = undefined;
      if (record.is('queued')) this.worker.enqueue(record);
    }, delay);
  }

  finished(): void {}

  halted(): void {}

  /** The worker's run of one queued job: one attempt, from `running` to its outcome recorded. */
  private runAttempt(record: JobRecord): MaybePromise<void> {
    if (record.state !== 'queued') return;
    this.book.setState(record, 'running');
    record.attempts++;
    record.startedAt = Date.now();
    return andThen(this.sink.saveActive(record), this.startAttempt, this, record, undefined);
  }

  /** Saved as running: unless it was cancelled meanwhile, its function runs. */
  private startAttempt(record: JobRecord): MaybePromise<void> {
    return record.is('running') ? this.lifecycle.attempt(record, this) : undefined;
  }
}
