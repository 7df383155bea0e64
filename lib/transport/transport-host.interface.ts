import type { DataSource } from 'typeorm';
import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import type { JobStatus } from '../interfaces/job-status.interface.js';
import type { JobDefinition } from '../job-definition.types.js';
import type { JobGate } from '../worker/job-gate.js';
import type { CompleteInTransaction } from './transaction-sql.js';

/** One attempt of a named job, delivered by the queue to this process. */
export interface DeliveredJob {
  readonly id: string;
  readonly name: string;
  readonly fn: (...args: never[]) => unknown;
  /** The function declares a result that is not a promise. */
  readonly synchronous: boolean;
  readonly args: readonly unknown[];
  readonly options: ResolvedJobOptions;
  /** 1 for the first start, more after a retry or after a worker died running it. */
  readonly attempt: number;
  /** Whether a failure of this attempt is retried by the queue. */
  readonly retryLeft: boolean;
  /** When the job was first queued (epoch ms). */
  readonly enqueuedAt: number;
  /** Records the completion inside the job's transaction, when the job opens one (see JobRecord). */
  readonly completeInTransaction?: CompleteInTransaction | undefined;
}

/** How a delivered attempt ended, and so what the queue must do with the job. */
export type DeliveryOutcome =
  | { readonly kind: 'completed'; readonly result: unknown }
  /** Failed with attempts left: recorded `queued`, the queue retries it after its backoff. */
  | { readonly kind: 'retry'; readonly error: unknown }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'cancelled' }
  /** Interrupted by this process's shutdown: recorded `queued`, it goes back to the queue for another worker. */
  | { readonly kind: 'requeued' };

/**
 * What a queue transport needs from the module of its process: the jobs
 * registered by name, the attempt machinery (AsyncLocalStorage context,
 * timeout, AbortSignal, per-job transaction) that local jobs run through
 * too, and the bookkeeping of a job the queue holds (the tracker's entry
 * while a caller's transaction is open, the `queued` event). Internal.
 */
export interface TransportHost {
  /** The module's DataSource (`dataSource` option): the jobs' own transactions are on it. */
  readonly dataSource: DataSource | undefined;
  /** Whether anyone follows `events$`: a start then announces its job (see {@link queued}). */
  readonly observed: boolean;
  /** The `@AsyncJob` registered under `name` in this process. */
  jobNamed(name: string): JobDefinition | undefined;
  /** Runs one attempt; never rejects. Answers at once when the function returned at once. */
  runDelivered(job: DeliveredJob): DeliveryOutcome | PromiseLike<DeliveryOutcome>;
  /** Cancels a job running in this process; false when it does not run here. */
  cancelLocal(id: string): Promise<boolean>;
  /** BullMQ has recorded the end of job `id`, which ran here: its own record answers for it from now on. */
  acknowledged(id: string): void;
  /** Records a job this process cannot run at all (no such name here) as failed. */
  failUndeliverable(id: string, name: string, enqueuedAt: number, error: Error): Promise<void>;
  /** Tells followers of `events$` that job `id` is queued. */
  queued(id: string, name: string, at: number): void;
  /**
   * Holds job `status.id` in the tracker as queued until the caller's
   * transaction (its `gate`) commits, then runs `add`, after which the
   * queue's record answers for the job; a rollback, or a failed `add`,
   * records it cancelled or failed. Resolves once the tracker holds it.
   */
  holdUntilCommit(gate: JobGate, status: JobStatus, add: () => Promise<unknown>): Promise<void>;
}
