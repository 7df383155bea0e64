import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import type { AsyncJobTransport } from '../interfaces/async-job-transport.interface.js';
import type { JobStatus } from '../interfaces/job-status.interface.js';
import type { JobDefinition } from '../job-definition.types.js';
import type { JobChangeFeed } from '../progress/job-change-feed.interface.js';
import type { JobStatusStore, ProgressTracker } from '../progress/progress-tracker.interface.js';
import type { JobGate } from '../worker/job-gate.js';
import type { StartExtraName, StartExtras } from './start-extras.js';
import type { TransportHost } from './transport-host.interface.js';
import type { CallerTransaction } from './transaction-sql.js';

/** What `cancel` of a job that does not run in this process found: removed from the queue, signalled to its worker, or no such job. */
export type RemoteCancel = 'removed' | 'signalled' | 'absent';

/**
 * The contract between the module and the engine that carries its named
 * jobs: the module's own worker (LocalTransport) when the `transport` option
 * is unset, an engine's queue shared by every process otherwise (BullMQ
 * today). The module picks one when it starts and reaches it only through
 * this interface, so a new engine is a new folder that implements it.
 */
export interface JobTransport extends AsyncJobTransport {
  /** How long `cancel()` waits for another process to confirm, in ms. */
  readonly cancelTimeout: number;
  /** The start options it takes beyond a job's own (`delay`, `priority`, `jobId`); the others are refused at the call. */
  readonly startExtras: ReadonlySet<StartExtraName>;
  /** Tells when a job of another process may have changed, for `waitFor` and `progress$`; none when every job runs here. */
  readonly feed?: JobChangeFeed;
  /** The module's tracker when none is given: statuses shared by every process, on the engine's own store. Without it, memory. */
  createTracker?(): ProgressTracker & JobStatusStore;
  /** Binds the transport to its module's service and opens its queues. */
  attach(host: TransportHost, moduleConcurrency: number): void;
  /** Starts taking jobs (worker role), once every `@AsyncJob` is registered. */
  startWorkers(): Promise<void>;
  /**
   * Queues a named job; answers its id once the engine holds it (at once when
   * it can). With a `gate`, the job is held until the caller's transaction
   * commits, and dropped if it rolls back; its id is known before.
   */
  add(
    job: JobDefinition,
    args: readonly unknown[],
    options: ResolvedJobOptions,
    extras: StartExtras,
    gate: JobGate | undefined,
  ): string | Promise<string>;
  /**
   * Queues a named job inside the caller's open transaction, so that it
   * exists if and only if that transaction commits; answers its id once the
   * job is written there; `commit` tells when the transaction has committed
   * (the job is then announced as queued). Absent when the engine cannot
   * (its queue is not in a database).
   */
  addInTransaction?(
    transaction: CallerTransaction,
    job: JobDefinition,
    args: readonly unknown[],
    options: ResolvedJobOptions,
    extras: StartExtras,
    commit: JobGate,
  ): Promise<string>;
  /** The status the engine records for job `id`; `null` when it holds none. */
  status(id: string): JobStatus | null | Promise<JobStatus | null>;
  /** Cancels a job not running in this process. */
  cancel(id: string, name: string | undefined): Promise<RemoteCancel>;
  /** Progress of a job delivered to this process, written where the engine keeps it. */
  reportProgress(id: string, attempt: number, value: number, data: unknown): void;
  /** Shutdown has begun: takes no more jobs from the engine; those this process holds go on. */
  pause(): Promise<void>;
  /** Closes what the transport opened, once the jobs running here have finished. */
  close(): Promise<void>;
}

/** Whether `value` is an engine's transport (the module option is checked at bootstrap). */
export function isJobTransport(value: unknown): value is JobTransport {
  const transport = value as Partial<JobTransport> | null;
  return (
    typeof transport === 'object' &&
    transport !== null &&
    typeof transport.runsJobs === 'boolean' &&
    transport.startExtras instanceof Set &&
    typeof transport.attach === 'function' &&
    typeof transport.add === 'function'
  );
}
