/**
 * Tells a follower in any process (`waitFor`, `progress$`) that a named job
 * may have changed: the worker running it sends a NOTIFY of its id on a
 * channel of ours after each progress write and once pg-boss records its
 * end. A notification may be lost (the LISTEN connection broke), so every
 * watcher is also nudged now and then.
 */
import type { JobChangeFeed } from '../progress/job-change-feed.interface.js';
import type { NotifyListener } from '../shared/postgres/notify-listener.js';
import type { ReportError } from '../shared/throttled-error-log.js';

/** How often every watcher is nudged anyway, in ms. */
const RECHECK_INTERVAL = 5000;

export class BossChangeFeed implements JobChangeFeed {
  private readonly watchers = new Map<string, Set<() => void>>();
  private listening: Promise<void> | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private listener: NotifyListener | undefined;

  constructor(
    readonly channel: string,
    private readonly report: ReportError,
  ) {}

  /** Once the transport has its database: watching before that only rechecks. */
  attach(listener: NotifyListener): void {
    this.listener = listener;
    listener.onReconnect = () => this.nudgeAll();
  }

  watch(id: string, onChange: () => void): () => void {
    let set = this.watchers.get(id);
    if (!set) this.watchers.set(id, (set = new Set()));
    set.add(onChange);
    this.recheck ??= setInterval(() => this.nudgeAll(), RECHECK_INTERVAL).unref();
    const listener = this.listener;
    if (listener) {
      this.listening ??= listener.listen(this.channel, (changed) => this.nudge(changed));
      // Once listening: a change between the follower's first read and now is not missed.
      this.listening.then(onChange, (error: unknown) => {
        this.listening = undefined;
        this.report('LISTEN', error);
      });
    }
    return () => {
      set.delete(onChange);
      if (set.size === 0) this.watchers.delete(id);
      if (this.watchers.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.recheck);
    this.recheck = undefined;
  }

  private nudge(id: string): void {
    const set = this.watchers.get(id);
    if (set) for (const onChange of set) onChange();
  }

  private nudgeAll(): void {
    for (const id of this.watchers.keys()) this.nudge(id);
  }
}
