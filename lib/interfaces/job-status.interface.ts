/**
 * Where a job is in its life.
 *
 * - `queued`: accepted, waiting for a free slot (or for a retry's backoff).
 * - `running`: its function is executing.
 * - `completed`: its function returned (or its promise resolved).
 * - `failed`: it threw, rejected or timed out, with no attempts left.
 * - `cancelled`: `cancel()` stopped it before it finished.
 * - `interrupted`: the application shut down before it finished.
 *
 * @publicApi
 */
export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

/** States after which a job never changes again. */
export type FinalJobState = Extract<JobState, 'completed' | 'failed' | 'cancelled' | 'interrupted'>;

/**
 * A job's progress as `getProgress` reports it: `value` is `-1` until the job
 * first calls `setProgress`.
 *
 * @publicApi
 */
export interface JobProgress {
  readonly value: number;
  readonly data: unknown;
}

/**
 * An error as recorded in a job's status: plain data, so it can be kept and
 * shared between processes.
 *
 * @publicApi
 */
export interface JobError {
  readonly name: string;
  readonly message: string;
}

/**
 * Everything known about one job. Dates are epoch milliseconds, so a status
 * survives a JSON round trip unchanged.
 *
 * @publicApi
 */
export interface JobStatus {
  readonly id: string;
  /** The job's name: `@AsyncJob`'s name, the `name` option, or the function's name. */
  readonly name: string;
  readonly state: JobState;
  /** Latest progress; `{ value: -1, data: null }` before the first `setProgress`. */
  readonly progress: JobProgress;
  /** What the function returned, when `completed` and the value is JSON-serialisable. */
  readonly result?: unknown;
  /** Why it failed, was cancelled or was interrupted. */
  readonly error?: JobError;
  /** How many times its function has been started (0 while first queued). */
  readonly attempts: number;
  readonly enqueuedAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
}
