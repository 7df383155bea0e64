import type { JobProgress, JobStatus } from '../interfaces/job-status.interface.js';
import { parseJson } from '../utils/json.js';
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

interface RetainedStatus {
  readonly id: string;
  readonly status: JobStatus;
  readonly expiresAt: number;
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
  private readonly finished = new Map<string, RetainedStatus>();
  /**
   * Finished statuses in finishing order, oldest at `head`: eviction pops
   * from the front in O(1). (Deleting from the front of the Map instead
   * leaves tombstones that every later front lookup walks over.)
   */
  private order: RetainedStatus[] = [];
  private head = 0;
  private readonly maxRetained: number;

  constructor(options: MemoryProgressTrackerOptions = {}) {
    this.maxRetained = options.maxRetained ?? 10_000;
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
    const stored = this.progress.get(id);
    if (stored === undefined) return null;
    return { value: stored.value, data: stored.json === null ? null : parseJson(stored.json) };
  }

  saveStatus(status: JobStatus, retention?: number): void {
    if (retention === undefined) {
      this.active.set(status.id, status);
      return;
    }
    this.active.delete(status.id);
    this.finished.delete(status.id);
    const now = Date.now();
    if (retention > 0 && this.maxRetained > 0) {
      // Kept as given: the service hands over a fresh snapshot it never touches again, and reads return copies.
      const retained: RetainedStatus = { id: status.id, status, expiresAt: now + retention };
      this.finished.set(status.id, retained);
      this.order.push(retained);
    }
    this.evict(now);
  }

  getStatus(id: string): JobStatus | null {
    const active = this.active.get(id);
    if (active !== undefined) return copyStatus(active);
    const retained = this.finished.get(id);
    if (retained === undefined) return null;
    if (retained.expiresAt <= Date.now()) {
      this.finished.delete(id);
      return null;
    }
    return copyStatus(retained.status);
  }

  /** How many statuses are held, active and finished; for tests and metrics. */
  get size(): { readonly progress: number; readonly active: number; readonly finished: number } {
    return { progress: this.progress.size, active: this.active.size, finished: this.finished.size };
  }

  /** Drops expired statuses and the oldest past `maxRetained`, from the front of {@link order}. */
  private evict(now: number): void {
    while (this.head < this.order.length) {
      const oldest = this.order[this.head]!;
      const current = this.finished.get(oldest.id) === oldest;
      if (current && oldest.expiresAt > now && this.finished.size <= this.maxRetained) break;
      if (current) this.finished.delete(oldest.id);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
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
