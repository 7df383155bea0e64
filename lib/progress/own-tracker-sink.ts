import type { JobStatus } from '../interfaces/job-status.interface.js';
import type { JobRecord } from '../worker/job-record.js';
import type { ModuleMemoryTracker } from './module-memory-tracker.js';
import type { StatusSink } from './status-sink.interface.js';

/**
 * The sink of the module's own memory tracker: it reads active jobs from
 * their records, so nothing is written while a job is active, and a finished
 * job's fields go to it as they are.
 */
export class OwnTrackerSink implements StatusSink {
  constructor(
    private readonly tracker: ModuleMemoryTracker,
    private readonly retention: number,
  ) {}

  track(): void {}

  trackQueued(status: JobStatus): Promise<void> {
    this.tracker.saveStatus(status);
    return Promise.resolve();
  }

  untrack(): undefined {
    return undefined;
  }

  saveActive(): undefined {
    return undefined;
  }

  saveStatus(status: JobStatus, retention?: number): undefined {
    this.tracker.saveStatus(status, retention);
    return undefined;
  }

  setProgress(): undefined {
    return undefined;
  }

  resetProgress(): undefined {
    return undefined;
  }

  saveFinal(record: JobRecord): undefined {
    this.tracker.retainFinished(record, this.retention);
    return undefined;
  }
}
