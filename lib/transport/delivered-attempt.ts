import type { AttemptPolicy } from '../attempt/attempt-policy.interface.js';
import { backoffDelay } from '../utils/backoff.js';
import type { MaybePromise } from '../utils/maybe-promise.js';
import type { AttemptOutcome } from '../worker/attempt.types.js';
import type { JobRecord } from '../worker/job-record.js';
import type { DeliveredJob, DeliveryOutcome } from './transport-host.interface.js';

/** What an attempt of a delivered job may ask of the jobs the queue delivered to this process (DeliveredJobs). */
export interface DeliveryContext {
  /** Nothing of a job's code runs now: AsyncLocalStorage may go quiet. */
  releaseStorage(): void;
  /** The job leaves this process still queued. */
  handBack(record: JobRecord): void;
  /** A failed attempt the queue retries: queued again, and handed back. */
  requeue(record: JobRecord): void;
  /** Tells followers the job will run again. */
  retrying(record: JobRecord, delay: number, error: unknown): void;
  /** The recording of a cancel of job `id` under way, if any. */
  cancelRecording(id: string): Promise<void> | undefined;
}

const CANCELLED: DeliveryOutcome = { kind: 'cancelled' };
const REQUEUED: DeliveryOutcome = { kind: 'requeued' };

/**
 * What the end of an attempt of a job a queue delivered means: the queue owns
 * retries, so a failure with attempts left, or an attempt interrupted by
 * shutdown, is handed back to it; its answer says which.
 */
export class DeliveredAttempt implements AttemptPolicy<DeliveryOutcome> {
  constructor(
    private readonly job: DeliveredJob,
    private readonly jobs: DeliveryContext,
  ) {}

  ran(): void {
    // BullMQ's acknowledgement and next fetch come next: they need no AsyncLocalStorage hook.
    this.jobs.releaseStorage();
  }

  retries(): boolean {
    return this.job.retryLeft;
  }

  retry(record: JobRecord, error: unknown): DeliveryOutcome {
    this.jobs.requeue(record);
    this.jobs.retrying(record, backoffDelay(record.options.backoff, record.attempts), error);
    return { kind: 'retry', error };
  }

  finished(record: JobRecord, outcome: AttemptOutcome): DeliveryOutcome {
    return outcome.ok ? { kind: 'completed', result: record.result } : { kind: 'failed', error: outcome.error };
  }

  /** Taken off by shutdown (state `queued`: back to the queue) or by cancel (recorded by it). */
  halted(record: JobRecord): MaybePromise<DeliveryOutcome> {
    if (!record.is('queued')) {
      // Readers ask the queue first, then the tracker: `cancelled` must be there before the queue says `failed`.
      const recording = this.jobs.cancelRecording(record.id);
      return recording ? recording.then(() => CANCELLED) : CANCELLED;
    }
    this.jobs.handBack(record);
    return REQUEUED;
  }
}
