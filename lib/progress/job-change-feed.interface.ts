import type { ProgressTracker } from './progress-tracker.interface.js';

/**
 * Optional capability of a tracker whose store is shared between processes:
 * it tells when a job's progress or status may have changed, so a process
 * following a job that runs elsewhere (`waitFor`, `progress$`) re-reads it on
 * change instead of polling.
 *
 * A notification carries no data: the follower re-reads the status. Extra
 * notifications are harmless; a missed one is not, so an implementation
 * should also notify once its subscription is in place (closing the gap
 * between the follower's first read and the subscription), after it
 * reconnects, and now and then as a safety net (for a job whose owner
 * crashed, whose keys expire without a word).
 *
 * @publicApi
 */
export interface JobChangeFeed {
  /**
   * Calls `onChange` whenever job `id` may have changed, until the returned
   * function is called. Must not throw; failures are the implementation's
   * to handle (the follower's re-read reports them).
   */
  watch(id: string, onChange: () => void): () => void;
}

/** Whether a tracker also implements {@link JobChangeFeed}. */
export function isJobChangeFeed(tracker: ProgressTracker): tracker is ProgressTracker & JobChangeFeed {
  return typeof (tracker as Partial<JobChangeFeed>).watch === 'function';
}
