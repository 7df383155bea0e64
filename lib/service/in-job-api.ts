import { INVALID_ARGUMENT } from '../async-job.messages.js';
import type { JobEventBus } from '../events/job-event-bus.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { NotInJobError } from '../errors/not-in-job.error.js';
import type { TimedQueryOptions } from '../interfaces/timed-query-options.interface.js';
import type { JobEntityManager, JobQueryRunner } from '../interfaces/typeorm-types.interface.js';
import type { StatusSink } from '../progress/status-sink.interface.js';
import { jobQueryRunner, type JobTransactions } from '../typeorm/job-transactions.js';
import { timedQuery } from '../typeorm/timed-query.js';
import { toJson } from '../utils/json.js';
import type { JobContext } from '../worker/job-context.js';
import type { JobRunner } from '../worker/job-runner.js';

const RESOLVED: Promise<void> = Promise.resolve();

/** What a job's own code calls: the job it runs in, its progress reports, its transaction, `timedQuery`. */
export class InJobApi {
  constructor(
    private readonly runner: JobRunner,
    private readonly transactions: JobTransactions | undefined,
    private readonly sink: StatusSink,
    private readonly bus: JobEventBus,
    /** Aborted as shutdown ends: stops a `timedQuery` waiting outside any job. */
    private readonly stopping: AbortSignal,
  ) {}

  current(): JobContext | undefined {
    return this.runner.current();
  }

  setProgress(value: number, data?: unknown): Promise<void> {
    const context = this.runner.current();
    if (!context) throw new NotInJobError('setProgress');
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new InvalidArgumentError(
        'setProgress value',
        value,
        INVALID_ARGUMENT('setProgress', 'its value to be a finite integer', value),
      );
    }
    const json = data === undefined || data === null ? null : toJson(data, 'setProgress data');
    // A timed-out or cancelled job may go on running; its reports no longer count.
    if (!context.isActive) return RESOLVED;
    const record = context.record;
    record.progressValue = value;
    record.progressJson = json;
    if (this.bus.isFollowed(record.id)) {
      this.bus.publish({ type: 'progress', id: record.id, name: record.name, at: Date.now(), progress: record.snapshot().progress });
    }
    const reporter = record.reporter;
    if (reporter) {
      // A named job's progress lives in its queue's record, like the rest of its status.
      reporter.reportProgress(record.id, record.attempts, value, json === null ? null : data);
      return RESOLVED;
    }
    return this.sink.setProgress(record, value, json === null ? null : data) ?? RESOLVED;
  }

  entityManager(): Promise<JobEntityManager> {
    return jobQueryRunner(this.transactions, this.runner.current(), 'entityManager').then((queryRunner) => queryRunner.manager);
  }

  queryRunner(): Promise<JobQueryRunner> {
    return jobQueryRunner(this.transactions, this.runner.current(), 'queryRunner');
  }

  timedQuery<T>(query: () => T | PromiseLike<T>, options?: TimedQueryOptions): Promise<NonNullable<T> | null> {
    const context = this.runner.current();
    this.transactions?.warnIfSnapshot(context);
    return timedQuery(query, options, [context ? context.signal : this.stopping]);
  }
}
