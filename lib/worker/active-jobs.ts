/** What {@link ActiveJobs} needs of a job's record. */
export interface ActiveJob {
  readonly id: string;
  /** Set by {@link ActiveJobs}: in it now. */
  active?: boolean;
  /** Set by {@link ActiveJobs}: in its id index. */
  indexed?: boolean;
}

/**
 * Entries of the pending list past which it is compacted, when most of them
 * have left. Small: compaction happens in place, so a long run of jobs
 * through a few slots (a queue's delivered jobs) reuses one short array.
 */
const COMPACT_FROM = 64;

/**
 * The jobs active in this process (queued, running, waiting to retry), found
 * by id.
 *
 * The id index is built when someone looks a job up, not as jobs arrive:
 * most jobs are never looked up, and hashing each id into a Map, and out of
 * it again, cost a quarter of a 100 000-job burst. A job is counted at once
 * and kept in a pending list until the next lookup indexes it (or it leaves).
 */
export class ActiveJobs<T extends ActiveJob> {
  private readonly index = new Map<string, T>();
  /** Added since the last lookup, in order; some may have left since. */
  private pending: T[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(job: T): void {
    job.active = true;
    job.indexed = false;
    this.count++;
    this.pending.push(job);
    if (this.pending.length > COMPACT_FROM && this.pending.length > 2 * this.count) this.compact();
  }

  delete(job: T): void {
    if (!job.active) return;
    job.active = false;
    this.count--;
    if (job.indexed) this.index.delete(job.id);
    const pending = this.pending;
    // A job that ran at once leaves last: its slot is reused, not a new array made for the next.
    if (pending[pending.length - 1] === job) pending.pop();
    if (this.count === 0 && pending.length > 0) this.pending = [];
  }

  get(id: string): T | undefined {
    this.indexPending();
    return this.index.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  values(): T[] {
    this.indexPending();
    return [...this.index.values()];
  }

  /** Drops the jobs that left from the pending list, keeping their order and the array. */
  private compact(): void {
    const pending = this.pending;
    let kept = 0;
    for (const job of pending) if (job.active) pending[kept++] = job;
    pending.length = kept;
  }

  private indexPending(): void {
    if (this.pending.length === 0) return;
    for (const job of this.pending) {
      if (!job.active) continue;
      job.indexed = true;
      this.index.set(job.id, job);
    }
    this.pending = [];
  }
}
