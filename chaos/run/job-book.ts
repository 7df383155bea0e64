import type { ChaosChild } from './chaos-child.js';

/** An accepted job: its id (unknown when its process died before answering the start) and the process that started it. */
interface Accepted {
  readonly id: string | undefined;
  readonly owner: ChaosChild;
}

/** How many ids one `pending` request asks about. */
const CHUNK = 500;

/**
 * The jobs the run handed over, by key. A job is still pending while the
 * process that started it is alive and says it is queued or running: with a
 * shared queue that is the enqueuer, reading the shared tracker; in process,
 * the worker that runs it, whose death ends it.
 */
export class JobBook {
  private readonly accepted = new Map<number, Accepted>();

  accept(key: number, id: string | undefined, owner: ChaosChild): void {
    if (!this.accepted.has(key)) this.accepted.set(key, { id, owner });
  }

  get size(): number {
    return this.accepted.size;
  }

  keys(): IterableIterator<number> {
    return this.accepted.keys();
  }

  /** The keys whose job is still pending; a process that does not answer counts all it was asked about. */
  async pending(): Promise<Set<number>> {
    const byOwner = new Map<ChaosChild, Map<string, number>>();
    for (const [key, { id, owner }] of this.accepted) {
      if (id === undefined || !owner.isAlive) continue;
      let ids = byOwner.get(owner);
      if (!ids) byOwner.set(owner, (ids = new Map()));
      ids.set(id, key);
    }
    const pending = new Set<number>();
    for (const [owner, ids] of byOwner) {
      const all = [...ids.keys()];
      for (let from = 0; from < all.length; from += CHUNK) {
        const chunk = all.slice(from, from + CHUNK);
        const answer = await owner.ask('pending', { ids: chunk }).catch(() => chunk);
        for (const id of answer as string[]) pending.add(ids.get(id)!);
      }
    }
    return pending;
  }
}
