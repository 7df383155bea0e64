import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import type { AsyncJobTransport } from '../interfaces/async-job-transport.interface.js';
import type { JobStatus } from '../interfaces/job-status.interface.js';
import type { JobDefinition } from '../job-definition.types.js';
import type { JobChangeFeed } from '../progress/job-change-feed.interface.js';
import type { JobStatusStore, ProgressTracker } from '../progress/progress-tracker.interface.js';
import type { StartExtras } from './start-extras.js';
import type { TransportHost } from './transport-host.interface.js';

/** What `cancel` of a job that does not run in this process found: removed from the queue, signalled to its worker, or no such job. */
export type RemoteCancel = 'removed' | 'signalled' | 'absent';

/**
 * The contract between the module and an engine that carries named jobs
 * across processes (BullMQ today). The module's core reaches an engine only
 * through it, so a new engine is a new folder that implements it.
 */
export interface JobTransport extends AsyncJobTransport {
  /** How long `cancel()` waits for another process to confirm, in ms. */
  readonly cancelTimeout: number;
  /** Tells when a job of another process may have changed, for `waitFor` and `progress$`. */
  readonly feed: JobChangeFeed;
  /** The module's tracker when none is given: statuses shared by every process, on the engine's own store. */
  createTracker(): ProgressTracker & JobStatusStore;
  /** Binds the transport to its module's service and opens its queues. */
  attach(host: TransportHost, moduleConcurrency: number): void;
  /** Starts taking jobs (worker role), once every `@AsyncJob` is registered. */
  startWorkers(): Promise<void>;
  /** Queues a named job; resolves to its id once the engine holds it. */
  add(
    job: Pick<JobDefinition, 'name' | 'options'>,
    id: string | undefined,
    args: readonly unknown[],
    options: ResolvedJobOptions,
    extra: StartExtras,
  ): Promise<string>;
  /** Whether the engine still holds job `id` of that name (a caller-chosen id is then a duplicate). */
  has(name: string, id: string): Promise<boolean>;
  /** The status the engine records for job `id`; `null` when it holds none. */
  status(id: string): Promise<JobStatus | null>;
  /** Cancels a job not running in this process. */
  cancel(id: string, name: string | undefined): Promise<RemoteCancel>;
  /** Progress of a job delivered to this process, written where the engine keeps it. */
  reportProgress(id: string, attempt: number, value: number, data: unknown): void;
  /** Stops taking new jobs; running ones go on. */
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
    typeof transport.attach === 'function' &&
    typeof transport.add === 'function'
  );
}
