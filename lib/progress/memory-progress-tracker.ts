import type { JobProgress, JobStatus } from '../interfaces/job-status.interface.js';
import { parseJson } from '../utils/json.js';
import { FinishedStatusRing } from './finished-status-ring.js';
import type { FinishedJob } from './finished-job.types.js';
import type { JobStatusStore, ProgressTracker } from './progress-tracker.interface.js';

/**
 * Options of {@link MemoryProgressTracker}.
 *
 * @publicApi
 */
export interface MemoryProgressTrackerOptions {
  /** Most finished statuses kept; the oldest are forgotten first. @default 10_000 */
  readonly maxRetained?: number;
}

interface StoredProgress {
  readonly value: number;
  /** JSON text, so a later change to the caller's object never shows here. */
  readonly json: string | null;
}

const NOT_STARTED: StoredProgress = { value: -1, json: null };

/**
 * The default tracker: progress and statuses in this process's memory.
 * Fast and dependency-free, but other processes cannot see it; use the Redis
 * tracker when the app runs as several processes.
 *
 * Memory stays bounded: an entry lives while its job is active, and a
 * finished status for its retention period, at most `maxRetained` of them.
 *
 * @publicApi
 */
export class MemoryProgressTracker implements ProgressTracker, JobStatusStore {
  private readonly progress = new Map<string, StoredProgress>();
  private readonly active = new Map<string, JobStatus>();
  private readonly finished: FinishedStatusRing;

  constructor(options: MemoryProgressTrackerOptions = {}) {
    this.finished = new FinishedStatusRing(options.maxRetained ?? 10_000);
  }

  track(id: string): void {
    this.progress.set(id, NOT_STARTED);
  }

  remove(id: string): void {
    this.progress.delete(id);
  }

  setProgress(id: string, value: number, data: unknown): void {
    this.progress.set(id, { value, json: data === undefined || data === null ? null : JSON.stringify(data) });
  }

  getProgress(id: string): JobProgress | null {
    const live = this.liveProgress(id);
    if (live !== undefined) return live;
    const stored = this.progress.get(id);
    if (stored === undefined) return null;
    return { value: stored.value, data: stored.json === null ? null : parseJson(stored.json) };
  }

  saveStatus(status: JobStatus, retention?: number): void {
    if (retention === undefined) {
      this.active.set(status.id, status);
      return;
    }
    const { progress, ...fields } = status;
    this.retainFinished(
      {
        ...fields,
        progressValue: progress.value,
        progressJson: progress.data === null || progress.data === undefined ? null : JSON.stringify(progress.data),
      },
      retention,
    );
  }

  /**
   * Keeps a finished job's status from its fields: the service's path for the
   * tracker the module built for itself, with no snapshot object to build.
   *
   * @internal
   */
  retainFinished(job: FinishedJob, retention: number): void {
    // Most stores never hold an active status (the service keeps its own); no lookup for them.
    if (this.active.size > 0) this.active.delete(job.id);
    // Its result is kept as given: the service hands over a value it never touches again, and reads return copies.
    this.finished.save(job, retention, Date.now());
  }

  /**
   * The progress of a job that the module keeps itself rather than in this
   * tracker: none here; the module's own tracker reads its active jobs.
   *
   * @internal
   */
  protected liveProgress(_id: string): JobProgress | undefined {
    return undefined;
  }

  getStatus(id: string): JobStatus | null {
    const active = this.active.get(id);
    if (active !== undefined) return copyStatus(active);
    const retained = this.finished.get(id, Date.now());
    return retained === null ? null : copyStatus(retained);
  }

  /** How many statuses are held, active and finished; for tests and metrics. */
  get size(): { readonly progress: number; readonly active: number; readonly finished: number } {
    return { progress: this.progress.size, active: this.active.size, finished: this.finished.size };
  }
}

/** A deep copy of a status: only `progress.data` and `result` can hold objects. */
function copyStatus(status: JobStatus): JobStatus {
  const data = status.progress.data;
  const copy: JobStatus = {
    ...status,
    progress: { value: status.progress.value, data: isObject(data) ? structuredClone(data) : data },
  };
  return isObject(status.result) ? { ...copy, result: structuredClone(status.result) } : copy;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
