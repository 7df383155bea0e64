/**
 * Tells a follower in any process (`waitFor`, `progress$`) that a named job
 * may have changed: PostgreSQL announces every change of a job's state on a
 * channel of ours (see change-trigger.ts), and the worker running a job
 * each write of its progress. A notification may be lost (the LISTEN
 * connection broke), so every watcher is also nudged now and then, and all
 * of them once the connection is back.
 */
import type { JobChangeFeed } from '../progress/job-change-feed.interface.js';
import type { NotifyListener } from '../shared/postgres/notify-listener.js';
import { JobWatchers } from '../shared/job-watchers.js';
import type { ReportError } from '../shared/throttled-error-log.js';

export class BossChangeFeed implements JobChangeFeed {
  private readonly watchers = new JobWatchers();
  private listening: Promise<void> | undefined;
  private listener: NotifyListener | undefined;
  /** Told of every notice, whoever follows the job (the worker role: a job it ran is now settled in pg-boss). */
  private everyNotice: ((id: string) => void) | undefined;

  constructor(
    readonly channel: string,
    private readonly report: ReportError,
  ) {}

  /** Once the transport has its database: watching before that only rechecks. */
  attach(listener: NotifyListener): void {
    this.listener = listener;
    listener.onReconnect(() => this.watchers.notifyAll());
  }

  /** Calls `onNotice` with the id of every job announced from now on; resolves once listening. */
  observe(onNotice: (id: string) => void): Promise<void> {
    this.everyNotice = onNotice;
    return this.listen() ?? Promise.resolve();
  }

  watch(id: string, onChange: () => void): () => void {
    const { watcher } = this.watchers.add(id, onChange);
    // Once listening: a change between the follower's first read and now is not missed.
    this.listen()?.then(onChange, () => undefined);
    return () => void this.watchers.remove(id, watcher);
  }

  /** The transport shuts down: nobody is woken any more. */
  stop(): void {
    this.watchers.clear();
    this.everyNotice = undefined;
  }

  private listen(): Promise<void> | undefined {
    const listener = this.listener;
    if (!listener) return undefined;
    this.listening ??= listener.listen(this.channel, (id) => {
      this.everyNotice?.(id);
      this.watchers.notify(id);
    });
    this.listening.catch((error: unknown) => {
      this.listening = undefined;
      this.report('LISTEN', error);
    });
    return this.listening;
  }
}
