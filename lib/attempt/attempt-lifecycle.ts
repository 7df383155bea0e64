import type { LoggerService } from '@nestjs/common';
import { finalEvent } from '../events/final-event.js';
import type { JobEventBus } from '../events/job-event-bus.js';
import type { FinalJobState, JobStatus } from '../interfaces/job-status.interface.js';
import type { StatusSink } from '../progress/status-sink.interface.js';
import type { JobBook } from '../worker/job-book.js';
import type { Acknowledgements } from '../transport/acknowledgements.js';
import { stackOf, toJobError } from '../utils/job-error.js';
import { storableResult } from '../utils/json.js';
import { andThen, type MaybePromise } from '../utils/maybe-promise.js';
import type { AttemptOutcome } from '../worker/attempt.types.js';
import type { JobRecord } from '../worker/job-record.js';
import type { JobRunner } from '../worker/job-runner.js';
import type { AttemptPolicy } from './attempt-policy.interface.js';

/**
 * The life of one attempt, the same for every job whoever delivered it (the
 * module's worker or a queue): running → the function runs → its outcome →
 * a retry or the end, recorded. What a retry means, and what the deliverer
 * is answered, is the deliverer's {@link AttemptPolicy}.
 *
 * Each step goes on synchronously when the one before could (memory tracker,
 * synchronous job), so a trivial job costs no promise here.
 */
export class AttemptLifecycle {
  constructor(
    private readonly runner: JobRunner,
    private readonly book: JobBook,
    private readonly sink: StatusSink,
    private readonly bus: JobEventBus,
    private readonly acks: Acknowledgements,
    private readonly logger: LoggerService,
  ) {}

  /** Runs one attempt of `record`, already `running`, to its recorded end. */
  attempt<Answer>(record: JobRecord, policy: AttemptPolicy<Answer>): MaybePromise<Answer> {
    if (this.bus.isFollowed(record.id)) {
      this.bus.publish({ type: 'started', id: record.id, name: record.name, at: record.startedAt!, attempt: record.attempts });
    }
    const outcome = this.runner.run(record, record.attempts);
    return andThen(outcome, this.ended<Answer>, this, record, policy);
  }

  /**
   * Records a final state: the status first, then the tracker entry removed.
   * A running attempt (cancel, shutdown) ends its transaction first: rolled
   * back and released.
   */
  finish(record: JobRecord, state: FinalJobState, outcome: AttemptOutcome): MaybePromise<void> {
    this.book.setState(record, state);
    const attempt = record.context;
    if (attempt) return attempt.done.then(() => this.recordFinal(record, outcome));
    return this.recordFinal(record, outcome);
  }

  /** Tells followers that `record` will run again after `delay` ms. */
  retrying(record: JobRecord, delay: number, error: unknown): void {
    if (!this.bus.isFollowed(record.id)) return;
    this.bus.publish({
      type: 'retrying',
      id: record.id,
      name: record.name,
      at: Date.now(),
      attempt: record.attempts + 1,
      delay,
      error: toJobError(error),
    });
  }

  private ended<Answer>(record: JobRecord, policy: AttemptPolicy<Answer>, outcome: AttemptOutcome): MaybePromise<Answer> {
    policy.ran();
    record.context = undefined;
    // Cancelled or interrupted while it ran: already recorded.
    if (!record.is('running')) return policy.halted(record);
    if (outcome.ok) return andThen(this.finish(record, 'completed', outcome), policy.finished, policy, record, outcome);
    this.logger.error(
      `Exception in async job ${record.id} (${record.name}), attempt ${record.attempts} of ${record.options.attempts}: ${toJobError(outcome.error).message}`,
      stackOf(outcome.error),
    );
    if (policy.retries(record)) return policy.retry(record, outcome.error);
    return andThen(this.finish(record, 'failed', outcome), policy.finished, policy, record, outcome);
  }

  private recordFinal(record: JobRecord, outcome: AttemptOutcome): MaybePromise<void> {
    record.finishedAt = Date.now();
    if (outcome.ok) record.result = this.keptResult(record, outcome.value);
    else record.error = toJobError(outcome.error);
    // A queue records a named job's completion itself (with its result and progress).
    if (record.external && outcome.ok) return this.forgetFinal(record);
    return andThen(this.sink.saveFinal(record), this.forgetFinal, this, record, undefined);
  }

  /** The job is settled everywhere: followers learn its final state, and `drain` may resolve. */
  private forgetFinal(record: JobRecord, _?: undefined, status?: JobStatus): void {
    this.book.remove(record);
    if (record.external) this.acks.keep(record);
    if (this.bus.isFollowed(record.id)) this.bus.publish(finalEvent(status ?? record.snapshot()));
    this.bus.end(record.id);
    this.book.notifyIfIdle();
  }

  private keptResult(record: JobRecord, value: unknown): unknown {
    try {
      return storableResult(value);
    } catch (error) {
      this.logger.warn(`Job ${record.id} (${record.name}) completed, but its result is not kept: ${(error as Error).message}`);
      return undefined;
    }
  }
}
