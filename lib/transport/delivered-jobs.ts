import type { AttemptLifecycle } from '../attempt/attempt-lifecycle.js';
import type { MaybePromise } from '../utils/maybe-promise.js';
import type { JobBook } from '../worker/job-book.js';
import { JobRecord, type ProgressReporter } from '../worker/job-record.js';
import type { JobRunner } from '../worker/job-runner.js';
import type { Acknowledgements } from './acknowledgements.js';
import { DeliveredAttempt, type DeliveryContext } from './delivered-attempt.js';
import type { DeliveredJob, DeliveryOutcome } from './transport-host.interface.js';

/**
 * Attempts of named jobs that a queue delivered to this process. Each runs
 * through the same lifecycle as a local job (context, timeout, signal,
 * transaction); the queue's record of the job holds its state, so it leaves
 * this process's book as soon as the attempt is over.
 */
export class DeliveredJobs implements DeliveryContext {
  constructor(
    private readonly lifecycle: AttemptLifecycle,
    private readonly book: JobBook,
    private readonly acks: Acknowledgements,
    private readonly runner: JobRunner,
    /** Where a delivered job's progress goes: its queue's record. */
    private readonly reporter: ProgressReporter,
  ) {}

  /** One attempt; never rejects. Answers at once when the function returned at once. */
  run(job: DeliveredJob): MaybePromise<DeliveryOutcome> {
    const record = new JobRecord(job.id, job.name, job.fn, job.args, job.options);
    record.synchronous = job.synchronous;
    record.enqueuedAt = job.enqueuedAt;
    record.external = true;
    record.attempts = job.attempt;
    record.reporter = this.reporter;
    record.completeInTransaction = job.completeInTransaction;
    this.acks.acknowledged(job.id);
    this.book.add(record);
    this.book.setState(record, 'running');
    record.startedAt = Date.now();
    return this.lifecycle.attempt(record, new DeliveredAttempt(job, this));
  }

  releaseStorage(): void {
    this.runner.releaseStorage();
  }

  /** The job leaves this process still queued; its queue's record says so from now on. */
  handBack(record: JobRecord): void {
    this.book.remove(record);
    this.book.notifyIfIdle();
  }

  /** A failed attempt the queue retries. */
  requeue(record: JobRecord): void {
    this.book.setState(record, 'queued');
    this.handBack(record);
  }

  retrying(record: JobRecord, delay: number, error: unknown): void {
    this.lifecycle.retrying(record, delay, error);
  }

  cancelRecording(id: string): Promise<void> | undefined {
    return this.acks.cancelRecording(id);
  }
}
