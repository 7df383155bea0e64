import type { JobProgress, JobState } from '../interfaces/job-status.interface.js';
import type { LiveProgress } from '../progress/live-progress.interface.js';
import { ActiveJobs } from './active-jobs.js';
import type { JobRecord } from './job-record.js';

/**
 * The jobs of this process that have not finished (queued, running or
 * waiting to retry), with how many run now. A record's state changes here
 * and nowhere else, so the counts never drift from the records.
 */
export class JobBook implements LiveProgress {
  private readonly records = new ActiveJobs<JobRecord>();
  private runningCount = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly idleListeners: Array<() => void> = [];

  get size(): number {
    return this.records.size;
  }

  /** Records in state `running`; the worker's own count lags behind by the bookkeeping after each attempt. */
  get running(): number {
    return this.runningCount;
  }

  /** Records queued or waiting to retry. */
  get waiting(): number {
    return this.records.size - this.runningCount;
  }

  get(id: string): JobRecord | undefined {
    return this.records.get(id);
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  values(): JobRecord[] {
    return this.records.values();
  }

  add(record: JobRecord): void {
    this.records.add(record);
  }

  /** Takes a record out; {@link notifyIfIdle} tells the waiters once its last word is published. */
  remove(record: JobRecord): void {
    this.records.delete(record);
  }

  setState(record: JobRecord, state: JobState): void {
    if (record.state === 'running') this.runningCount--;
    if (state === 'running') this.runningCount++;
    record.state = state;
  }

  progressOf(id: string): JobProgress | undefined {
    return this.records.get(id)?.progress();
  }

  /** Resolves when no job is left. */
  whenIdle(): Promise<void> {
    if (this.records.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Calls `listener` each time the last job leaves. */
  onIdle(listener: () => void): void {
    this.idleListeners.push(listener);
  }

  notifyIfIdle(): void {
    if (this.records.size > 0) return;
    for (const listener of this.idleListeners) listener();
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
