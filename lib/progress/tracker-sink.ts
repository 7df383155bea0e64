import type { JobStatus } from '../interfaces/job-status.interface.js';
import { andThen, type MaybePromise } from '../utils/maybe-promise.js';
import type { JobRecord } from '../worker/job-record.js';
import type { Awaitable, JobStatusStore, ProgressTracker } from './progress-tracker.interface.js';
import type { StatusSink } from './status-sink.interface.js';
import type { TrackerCalls } from './tracker-calls.js';

/**
 * The sink of any tracker but the module's own: progress goes to the
 * tracker; statuses to the tracker when it keeps them (shared by every
 * process that uses it), else to a store in this process's memory, which
 * needs no copy of an active status (readers look at the records first).
 */
export class TrackerSink implements StatusSink {
  constructor(
    private readonly tracker: ProgressTracker,
    private readonly statuses: JobStatusStore,
    /** Statuses are kept in this process only (the tracker keeps none). */
    private readonly statusesAreLocal: boolean,
    private readonly calls: TrackerCalls,
    private readonly retention: number,
  ) {}

  track(record: JobRecord): MaybePromise<void> {
    const tracking = this.tracker.track(record.id);
    if (this.statusesAreLocal) return tracking;
    return andThen(tracking, this.saveSnapshot, this, record, undefined);
  }

  async trackQueued(status: JobStatus): Promise<void> {
    await Promise.all([this.tracker.track(status.id), this.statuses.saveStatus(status)]);
  }

  untrack(id: string): Promise<void> | undefined {
    return this.calls.call('remove', id, () => this.tracker.remove(id));
  }

  saveActive(record: JobRecord): Promise<void> | undefined {
    if (this.statusesAreLocal) return undefined;
    return this.calls.call('saveStatus', record.id, () => this.statuses.saveStatus(record.snapshot()));
  }

  saveStatus(status: JobStatus, retention?: number): Promise<void> | undefined {
    return this.calls.call('saveStatus', status.id, () => this.statuses.saveStatus(status, retention));
  }

  setProgress(record: JobRecord, value: number, data: unknown): Promise<void> | undefined {
    return this.calls.call('setProgress', record.id, () => this.tracker.setProgress(record.id, value, data));
  }

  resetProgress(record: JobRecord): Promise<void> | undefined {
    return this.setProgress(record, -1, null);
  }

  private saveSnapshot(record: JobRecord): Awaitable<void> {
    return this.statuses.saveStatus(record.snapshot());
  }

  private untrackFinished(status: JobStatus): MaybePromise<JobStatus> {
    return andThen(this.untrack(status.id), finishedStatus, undefined, status, undefined);
  }

  saveFinal(record: JobRecord): MaybePromise<JobStatus> {
    const status = record.snapshot();
    return andThen(this.saveStatus(status, this.retention), this.untrackFinished, this, status, undefined);
  }
}

function finishedStatus(status: JobStatus): JobStatus {
  return status;
}
