import type { JobProgress } from '../interfaces/job-status.interface.js';
import type { LiveProgress } from './live-progress.interface.js';
import { MemoryProgressTracker, type MemoryProgressTrackerOptions } from './memory-progress-tracker.js';

/**
 * The tracker the module builds for itself when none is given. Nobody else
 * writes to it, so the module keeps its active jobs' progress in their own
 * records instead of copying every change here, and this tracker reads them
 * there; a finished job's fields are handed over as they are, with no
 * status snapshot built (see OwnTrackerSink).
 */
export class ModuleMemoryTracker extends MemoryProgressTracker {
  constructor(
    private readonly live: LiveProgress,
    options: MemoryProgressTrackerOptions,
  ) {
    super(options);
  }

  protected override liveProgress(id: string): JobProgress | undefined {
    return this.live.progressOf(id);
  }
}
