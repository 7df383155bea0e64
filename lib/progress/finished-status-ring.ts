import type { JobError, JobState, JobStatus } from '../interfaces/job-status.interface.js';
import { parseJson } from '../utils/json.js';
import type { FinishedJob } from './finished-job.types.js';

/**
 * The last `capacity` finished statuses, in finishing order, each kept until
 * its expiry.
 *
 * The fields live in columns (one array per field) reused slot by slot, not
 * as one object per status. A status is kept for thousands of jobs, long
 * enough to outlive V8's young generation, so objects per status were copied
 * by the scavenger and promoted, then left for the old-generation collector:
 * that cost more than everything else a trivial job does. A column slot is
 * overwritten in place; only the id string is kept per status.
 *
 * The id → slot index is built when a status is looked up, not when it is
 * saved: most finished jobs are never asked about, and hashing every id into
 * a large Map on the way in cost as much as the rest of the ring.
 */
export class FinishedStatusRing {
  private readonly slots = new Map<string, number>();
  private readonly ids: Array<string | undefined> = [];
  private readonly names: string[] = [];
  private readonly states: JobState[] = [];
  private readonly progressValues: number[] = [];
  /** As JSON text: parsed into a fresh copy on each read. */
  private readonly progressJson: Array<string | null> = [];
  private readonly results: unknown[] = [];
  private readonly errors: Array<JobError | undefined> = [];
  private readonly attempts: number[] = [];
  private readonly enqueuedAt: number[] = [];
  /** `NaN` where the status has none. */
  private readonly startedAt: number[] = [];
  private readonly finishedAt: number[] = [];
  private readonly expiresAt: number[] = [];
  /** Slot of the oldest status in the ring (kept or already dropped). */
  private oldest = 0;
  /** Slots in use from {@link oldest} on, holes left by dropped statuses included. */
  private used = 0;
  /** How many of the slots in use, counted from {@link oldest}, are in {@link slots}; the newer ones are not yet. */
  private indexed = 0;

  constructor(private readonly capacity: number) {}

  /** Statuses kept (expired ones included until they are dropped). */
  get size(): number {
    this.indexNewer();
    return this.slots.size;
  }

  /** Keeps `status` until `now + retention`, replacing an earlier one of the same id. */
  save(status: FinishedJob, retention: number, now: number): void {
    // One saved since the last lookup is replaced when it is indexed.
    const earlier = this.slots.size > 0 ? this.slots.get(status.id) : undefined;
    if (earlier !== undefined) this.clear(earlier, true);
    if (retention > 0 && this.capacity > 0) {
      while (this.used >= this.capacity) this.dropOldest();
      const slot = (this.oldest + this.used) % this.capacity;
      this.used++;
      this.ids[slot] = status.id;
      this.names[slot] = status.name;
      this.states[slot] = status.state;
      this.progressValues[slot] = status.progressValue;
      this.progressJson[slot] = status.progressJson;
      this.results[slot] = status.result;
      this.errors[slot] = status.error;
      this.attempts[slot] = status.attempts;
      this.enqueuedAt[slot] = status.enqueuedAt;
      this.startedAt[slot] = status.startedAt ?? Number.NaN;
      this.finishedAt[slot] = status.finishedAt ?? Number.NaN;
      this.expiresAt[slot] = now + retention;
    }
    // Expired ones go from the front; one whose later neighbours expire sooner waits for its turn (the ring bounds it).
    while (this.used > 0 && (this.ids[this.oldest] === undefined || this.expiresAt[this.oldest]! <= now)) this.dropOldest();
  }

  /** The status kept for `id`, or `null` when there is none or it has expired. Its result is the kept value itself: copy before handing out. */
  get(id: string, now: number): JobStatus | null {
    const slot = this.slotOf(id);
    if (slot === undefined) return null;
    if (this.expiresAt[slot]! <= now) {
      this.clear(slot, true);
      return null;
    }
    const status: { -readonly [K in keyof JobStatus]: JobStatus[K] } = {
      id,
      name: this.names[slot]!,
      state: this.states[slot]!,
      progress: { value: this.progressValues[slot]!, data: parseJson(this.progressJson[slot] ?? 'null') },
      attempts: this.attempts[slot]!,
      enqueuedAt: this.enqueuedAt[slot]!,
    };
    const startedAt = this.startedAt[slot]!;
    const finishedAt = this.finishedAt[slot]!;
    if (!Number.isNaN(startedAt)) status.startedAt = startedAt;
    if (!Number.isNaN(finishedAt)) status.finishedAt = finishedAt;
    if (this.results[slot] !== undefined) status.result = this.results[slot];
    if (this.errors[slot] !== undefined) status.error = this.errors[slot];
    return status;
  }

  /** Where `id` is kept: indexes the statuses saved since the last lookup first. */
  private slotOf(id: string): number | undefined {
    this.indexNewer();
    return this.slots.get(id);
  }

  /** Indexes the statuses saved since the last lookup, oldest first: a later status of the same id replaces the earlier. */
  private indexNewer(): void {
    for (; this.indexed < this.used; this.indexed++) {
      const slot = (this.oldest + this.indexed) % this.capacity;
      const id = this.ids[slot];
      if (id === undefined) continue;
      const earlier = this.slots.get(id);
      if (earlier !== undefined) this.clear(earlier, true);
      this.slots.set(id, slot);
    }
  }

  private dropOldest(): void {
    // Indexing runs from the oldest on: the oldest is in the index whenever anything is.
    this.clear(this.oldest, this.indexed > 0);
    this.oldest = (this.oldest + 1) % this.capacity;
    this.used--;
    if (this.indexed > 0) this.indexed--;
  }

  /** Forgets the status in `slot`, and lets go of the values it held, which may be large. */
  private clear(slot: number, indexed: boolean): void {
    const id = this.ids[slot];
    if (id === undefined) return;
    if (indexed) this.slots.delete(id);
    this.ids[slot] = undefined;
    this.progressJson[slot] = null;
    this.results[slot] = undefined;
    this.errors[slot] = undefined;
  }
}
