import type { TrackerBatch } from './tracker-batch.interface.js';

/** Most jobs whose writes are kept for replay while the store is away; past it the oldest are dropped (their entries then expire). */
const MAX_UNSAVED = 10_000;

/** A status write or progress removal that failed while the store was away. */
export interface UnsavedWrite {
  /** The status as JSON. */
  status?: string | undefined;
  /** For a final status: when its retention ends (epoch ms); otherwise it lives `ttl`. */
  expiresAt?: number | undefined;
  /** The job finished: its progress must go. */
  removeProgress?: boolean;
}

/**
 * What could not be written during an outage, the latest per job, to write
 * when the store returns, so a job that finished meanwhile is reported
 * finished everywhere.
 */
export class UnsavedWrites {
  private readonly writes = new Map<string, UnsavedWrite>();

  get size(): number {
    return this.writes.size;
  }

  remember(id: string, write: UnsavedWrite): void {
    const entry = this.writes.get(id);
    if (entry) {
      Object.assign(entry, write);
      return;
    }
    this.writes.set(id, { ...write });
    if (this.writes.size > MAX_UNSAVED) this.writes.delete(this.writes.keys().next().value as string);
  }

  forget(id: string): void {
    this.writes.delete(id);
  }

  /** A newer status is being written: an older unsaved one must never be replayed over it. */
  dropStatus(id: string): void {
    const entry = this.writes.get(id);
    if (entry) entry.status = entry.expiresAt = undefined;
  }

  /** Takes every unsaved write, to replay them. */
  takeAll(): Array<[string, UnsavedWrite]> {
    const entries = [...this.writes];
    this.writes.clear();
    return entries;
  }

  /** Puts back what a failed replay took, unless newer writes for the job superseded it. */
  restore(entries: ReadonlyArray<[string, UnsavedWrite]>): void {
    for (const [id, write] of entries) if (!this.writes.has(id)) this.remember(id, write);
  }

  /** Queues `write` into `batch`; `ttl` is an active status's lifetime. */
  static replay(batch: TrackerBatch, id: string, write: UnsavedWrite, ttl: number): void {
    const removeProgress = write.removeProgress === true;
    if (write.status !== undefined) {
      batch.status(id, write.status, write.expiresAt === undefined ? ttl : Math.ceil(write.expiresAt - Date.now()), removeProgress);
    } else if (removeProgress) {
      batch.removeProgress(id);
    }
  }
}
