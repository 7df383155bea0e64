import type { LoggerService } from '@nestjs/common';
import { MemoryProgressTracker } from './memory-progress-tracker.js';
import { ModuleMemoryTracker } from './module-memory-tracker.js';
import { OwnTrackerSink } from './own-tracker-sink.js';
import { isJobStatusStore, type JobStatusStore, type ProgressTracker } from './progress-tracker.interface.js';
import type { StatusSink } from './status-sink.interface.js';
import { TrackerCalls } from './tracker-calls.js';
import { TrackerSink } from './tracker-sink.js';

/** Where a module's jobs write, and where their statuses are read back. */
export interface StatusStores {
  readonly sink: StatusSink;
  /** Statuses: the tracker's, or kept in this process when the tracker keeps none. */
  readonly statuses: JobStatusStore;
}

/** Decides once, at start-up, how the module's jobs reach `tracker`. */
export function createStatusStores(
  tracker: ProgressTracker,
  options: { retention: number; maxRetained: number },
  logger: LoggerService,
): StatusStores {
  if (tracker instanceof ModuleMemoryTracker) return { sink: new OwnTrackerSink(tracker, options.retention), statuses: tracker };
  // A tracker that keeps only progress still gets statuses, kept here.
  const statuses = isJobStatusStore(tracker) ? tracker : new MemoryProgressTracker({ maxRetained: options.maxRetained });
  const sink = new TrackerSink(tracker, statuses, statuses !== tracker, new TrackerCalls(logger), options.retention);
  return { sink, statuses };
}
