/**
 * Tells a follower in any process (`waitFor`, `progress$`) that a named job
 * may have changed: the worker running it sends a NOTIFY of its id on a
 * channel of ours after each progress write and once pg-boss records its
 * end. A notification may be lost (the LISTEN connection broke), so every
 * watcher is also nudged now and then.
 */
import type { JobChangeFeed } from '../progress/job-change-feed.interface.js';
import type { NotifyListener } from '../shared/postgres/notify-listener.js';
import { JobWatchers } from '../shared/job-watchers.js';
import type { ReportError } from '../shared/throttled-error-log.js';

export class BossChangeFeed implements JobChangeFeed {
  private readonly watchers = new JobWatchers();
  private listening: Promise<void> | undefined;
  private listener: NotifyListener | undefined;

  constructor(
    readonly channel: string,
    private readonly report: ReportError,
  ) {}

  /** Once the transport has its database: watching before that only rechecks. */
  attach(listener: NotifyListener): void {
    this.listener = listener;
    listener.onReconnect(() => this.watchers.notifyAll());
  }

  watch(id: string, onChange: () => void): () => void {
    const { watcher } = this.watchers.add(id, onChange);
    const listener = this.listener;
    if (listener) {
      this.listening ??= listener.listen(this.channel, (changed) => this.watchers.notify(changed));
      // Once listening: a change between the follower's first read and now is not missed.
      this.listening.then(onChange, (error: unknown) => {
        this.listening = undefined;
        this.report('LISTEN', error);
      });
    }
    return () => void this.watchers.remove(id, watcher);
  }

  /** The transport shuts down: nobody is woken any more. */
  stop(): void {
    this.watchers.clear();
  }
}
