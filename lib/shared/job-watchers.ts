/**
 * How often every watcher is woken anyway, in ms. A change feed can miss a
 * notice (its connection was down as it was sent), and a job whose process
 * died changes with none (its entry expires): a follower re-reads now and
 * then to notice.
 */
const RECHECK_INTERVAL = 5000;

/** One follower of one job. */
export interface JobWatcher {
  readonly onChange: () => void;
}

/**
 * The followers of a change feed, by key (a job id, or its channel): each
 * woken when its job may have changed, all of them every RECHECK_INTERVAL
 * while any is there (unless `canRecheck` says a re-read could only fail
 * now). A follower that throws does not stop the others.
 */
export class JobWatchers {
  private readonly byKey = new Map<string, Set<JobWatcher>>();
  private recheck: NodeJS.Timeout | undefined;

  constructor(private readonly canRecheck: () => boolean = () => true) {}

  /** Adds a follower of `key`; `first` when the key had none before (the feed may start listening for it). */
  add(key: string, onChange: () => void): { readonly watcher: JobWatcher; readonly first: boolean } {
    const watcher: JobWatcher = { onChange };
    let watchers = this.byKey.get(key);
    const first = watchers === undefined;
    if (!watchers) this.byKey.set(key, (watchers = new Set()));
    watchers.add(watcher);
    this.startRecheck();
    return { watcher, first };
  }

  /** Removes a follower; true when `key` has none left (the feed may stop listening for it). */
  remove(key: string, watcher: JobWatcher): boolean {
    const watchers = this.byKey.get(key);
    if (!watchers?.delete(watcher) || watchers.size > 0) return false;
    this.byKey.delete(key);
    if (this.byKey.size === 0) this.stopRecheck();
    return true;
  }

  /** Whether `watcher` still follows `key`. */
  has(key: string, watcher: JobWatcher): boolean {
    return this.byKey.get(key)?.has(watcher) === true;
  }

  /** Wakes the followers of `key`. */
  notify(key: string): void {
    const watchers = this.byKey.get(key);
    if (watchers) for (const watcher of watchers) safely(watcher.onChange);
  }

  /** Wakes every follower: notices may have been missed. */
  notifyAll(): void {
    for (const key of this.byKey.keys()) this.notify(key);
  }

  /** The keys followed now. */
  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Forgets every follower, and stops rechecking. */
  clear(): void {
    this.byKey.clear();
    this.stopRecheck();
  }

  private startRecheck(): void {
    if (this.recheck) return;
    this.recheck = setInterval(() => {
      if (this.canRecheck()) this.notifyAll();
    }, RECHECK_INTERVAL);
    this.recheck.unref();
  }

  private stopRecheck(): void {
    if (this.recheck) clearInterval(this.recheck);
    this.recheck = undefined;
  }
}

function safely(callback: () => void): void {
  try {
    callback();
  } catch {
    // A watcher's failure is its own; it must not stop the others.
  }
}
