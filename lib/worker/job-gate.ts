/**
 * Holds a tracked job back from the queue until something outside the worker
 * decides its fate: the commit (enqueue) or rollback (drop) of the
 * transaction it was enqueued in.
 */
export interface JobGate {
  /**
   * Job `jobId` is tracked. `enqueue` puts it in the queue, `drop` records
   * it cancelled with the reason; the gate calls one of them, once (at once
   * if it has already decided).
   */
  attach(jobId: string, enqueue: () => void, drop: (reason: Error) => Promise<void>): void;
  /** The job was not created after all (refused, or not tracked): forget it. */
  abandon(): void;
}
