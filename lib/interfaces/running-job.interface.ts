/**
 * What a running job can learn about itself through
 * `AsyncJobService.currentJob()`.
 *
 * @publicApi
 */
export interface RunningJob {
  readonly id: string;
  readonly name: string;
  /** 1 for the first attempt, 2 for the first retry, and so on. */
  readonly attempt: number;
  /**
   * Aborted when the job is cancelled, times out or is interrupted by
   * shutdown; pass it to `fetch`, streams, timers, child processes.
   */
  readonly signal: AbortSignal;
}
