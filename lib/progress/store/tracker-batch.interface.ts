/**
 * What a store-backed tracker writes in one round trip, in terms every
 * store implements its own way (rows of a PostgreSQL table, Redis keys).
 * Calls of one batch are applied in order.
 */
export interface TrackerBatch {
  /** The job's progress, `[value, data]` as JSON, alive `ttl` ms; `announce` tells watchers in every process. */
  progress(id: string, json: string, ttl: number, announce: boolean): void;
  /**
   * The job's status as JSON, alive `ttl` ms (at most 0: gone at once), then
   * its progress removed when `removeProgress` (a final status, which holds
   * the final progress). Always announced.
   */
  status(id: string, json: string, ttl: number, removeProgress: boolean): void;
  /** The job is no longer tracked: its progress goes. */
  removeProgress(id: string): void;
}
