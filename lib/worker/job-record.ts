import type { JobError, JobProgress, JobState, JobStatus } from '../interfaces/job-status.interface.js';
import { isFinal } from '../utils/is-final.js';
import { parseJson } from '../utils/json.js';
import type { ActiveJob } from './active-jobs.js';
import type { BacklogNode } from './backlog.js';
import type { AttemptHandle } from './attempt.types.js';
import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import type { CompleteInTransaction } from '../transport/transaction-sql.js';

/** Where the progress of a job delivered by a queue is written: the queue's own record of it. */
export interface ProgressReporter {
  reportProgress(id: string, attempt: number, value: number, data: unknown): void;
}

/**
 * The worker's own, mutable record of a job that is active in this process.
 * Public views of it are {@link JobStatus} snapshots.
 */
export class JobRecord implements BacklogNode<JobRecord>, ActiveJob {
  prev?: JobRecord;
  next?: JobRecord;
  queued?: boolean;
  active?: boolean;
  indexed?: boolean;

  state: JobState = 'queued';
  attempts = 0;
  startedAt?: number;
  finishedAt?: number;
  progressValue = -1;
  /** Latest progress data as JSON text, parsed only when a status is read. */
  progressJson: string | null = null;
  result?: unknown;
  error?: JobError;
  /** Set while an attempt runs. */
  context?: AttemptHandle | undefined;
  retryTimer?: NodeJS.Timeout | undefined;
  /** Set once, before the record is shared; a delivered job keeps the time it was first queued. */
  enqueuedAt = Date.now();
  /**
   * Delivered by a distributed transport (BullMQ): at shutdown it is handed
   * back to the queue rather than interrupted.
   */
  external = false;
  /** Set for a delivered job: its progress goes there rather than to the module's tracker. */
  reporter?: ProgressReporter | undefined;
  /**
   * Set for a delivered job whose queue records its completion inside the
   * job's own transaction, just before it commits (pg-boss): a failure there
   * rolls the job's writes back and fails the attempt.
   */
  completeInTransaction?: CompleteInTransaction | undefined;
  /** Its function declares a result that is not a promise: it runs without AsyncLocalStorage (see JobRunner). */
  synchronous = false;

  constructor(
    readonly id: string,
    readonly name: string,
    readonly fn: (...args: never[]) => unknown,
    readonly args: readonly unknown[],
    readonly options: ResolvedJobOptions,
  ) {}

  /** A method rather than a comparison, so TypeScript does not keep a narrowed state across awaits. */
  is(state: JobState): boolean {
    return this.state === state;
  }

  get isFinal(): boolean {
    return isFinal(this);
  }

  /** Its progress now, as a fresh object. */
  progress(): JobProgress {
    return { value: this.progressValue, data: this.progressJson === null ? null : parseJson(this.progressJson) };
  }

  snapshot(): JobStatus {
    const status: {
      -readonly [K in keyof JobStatus]: JobStatus[K];
    } = {
      id: this.id,
      name: this.name,
      state: this.state,
      progress: this.progress(),
      attempts: this.attempts,
      enqueuedAt: this.enqueuedAt,
    };
    if (this.startedAt !== undefined) status.startedAt = this.startedAt;
    if (this.finishedAt !== undefined) status.finishedAt = this.finishedAt;
    if (this.result !== undefined) status.result = this.result;
    if (this.error !== undefined) status.error = this.error;
    return status;
  }
}
