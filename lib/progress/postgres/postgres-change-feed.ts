import type { JobChangeFeed } from '../job-change-feed.interface.js';
import type { PgClient, PgNotification } from './pg-driver.types.js';
import type { PostgresTable } from './postgres-table.js';

/**
 * How often every watcher is nudged anyway. A notification is lost when the
 * listener is down as it is sent, and a job whose process died changes
 * without one (its row expires), so a follower re-reads now and then.
 */
const RECHECK_INTERVAL = 5000;
/** First and longest wait before opening the listener again, in ms. */
const RECONNECT_FIRST = 100;
const RECONNECT_MOST = 2000;

interface Watcher {
  readonly onChange: () => void;
}

/**
 * {@link JobChangeFeed} over LISTEN/NOTIFY: one connection of its own for
 * the whole process (LISTEN needs a session, which a pool does not keep),
 * opened on the first `watch`, listening to the tracker's one channel, whose
 * payload is the job id. Every process hears every job's changes and wakes
 * only the watchers of that job.
 */
export class PostgresChangeFeed implements JobChangeFeed {
  private readonly watchers = new Map<string, Set<Watcher>>();
  private client: PgClient | undefined;
  private listening = false;
  private reconnectDelay = RECONNECT_FIRST;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly openClient: () => PgClient,
    private readonly table: PostgresTable,
    /** Whether the command connection answers now (a probe): only then can a re-read a notification causes succeed. */
    private readonly commandsReady: () => Promise<boolean>,
    /** Whether the command connection is up now (not in an outage). */
    private readonly canRead: () => boolean,
  ) {}

  watch(id: string, onChange: () => void): () => void {
    if (this.closed) return () => undefined;
    const watcher: Watcher = { onChange };
    let watchers = this.watchers.get(id);
    if (!watchers) this.watchers.set(id, (watchers = new Set()));
    watchers.add(watcher);
    // Once listening, nothing is missed: one re-read then covers the gap before it.
    if (this.listening) process.nextTick(() => watchers.has(watcher) && safely(onChange));
    else if (!this.client && !this.reconnectTimer) void this.connect();
    this.startRecheck();
    return () => this.unwatch(id, watcher);
  }

  /** Whether the listening connection is up; for tests and health checks. */
  get isListening(): boolean {
    return this.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
    this.stopRecheck();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = this.openClient();
    this.client = client;
    // The command connection logs outages; without a listener Node would throw this one's errors.
    client.on('error', () => undefined);
    client.on('end', () => this.lost(client));
    client.on('notification', (message: PgNotification) => {
      if (message.channel === this.table.channel && message.payload !== undefined) this.notify(message.payload);
    });
    try {
      await client.connect();
      await client.query(this.table.listen);
    } catch {
      if (this.client === client) {
        this.client = undefined;
        this.reconnectLater();
      }
      await client.end().catch(() => undefined);
      return;
    }
    if (this.client !== client) return;
    this.listening = true;
    this.reconnectDelay = RECONNECT_FIRST;
    // Notifications sent before LISTEN (or while the listener was away) are not delivered: everyone re-reads.
    // A pool still holding connections the outage killed would fail the re-reads: they wait for reread() then.
    if ((await this.commandsReady()) && this.client === client) this.reread();
  }

  /** Every watcher re-reads: the listener is back, or the command connection is, after an outage that may have hidden changes. */
  reread(): void {
    for (const id of this.watchers.keys()) this.notify(id);
  }

  private lost(client: PgClient): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listening = false;
    this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed && !this.client) void this.connect();
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MOST);
  }

  private unwatch(id: string, watcher: Watcher): void {
    const watchers = this.watchers.get(id);
    if (!watchers?.delete(watcher) || watchers.size > 0) return;
    this.watchers.delete(id);
    if (this.watchers.size === 0) this.stopRecheck();
  }

  private notify(id: string): void {
    const watchers = this.watchers.get(id);
    if (watchers) for (const watcher of watchers) safely(watcher.onChange);
  }

  private startRecheck(): void {
    if (this.recheck) return;
    this.recheck = setInterval(() => {
      // In an outage a re-read would only meet it and fail its follower: the safety net waits until the store answers.
      if (!this.canRead()) return;
      for (const id of this.watchers.keys()) this.notify(id);
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
