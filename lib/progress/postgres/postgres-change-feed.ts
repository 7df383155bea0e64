import type { JobChangeFeed } from '../job-change-feed.interface.js';
import type { PgClient, PgNotification } from './pg-driver.types.js';
import type { PostgresTable } from './postgres-table.js';
import { JobWatchers } from '../../shared/job-watchers.js';

/** First and longest wait before opening the listener again, in ms. */
const RECONNECT_FIRST = 100;
const RECONNECT_MOST = 2000;

/**
 * {@link JobChangeFeed} over LISTEN/NOTIFY: one connection of its own for
 * the whole process (LISTEN needs a session, which a pool does not keep),
 * opened on the first `watch`, listening to the tracker's one channel, whose
 * payload is the job id. Every process hears every job's changes and wakes
 * only the watchers of that job.
 */
export class PostgresChangeFeed implements JobChangeFeed {
  private readonly watchers: JobWatchers;
  private client: PgClient | undefined;
  private listening = false;
  private reconnectDelay = RECONNECT_FIRST;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly openClient: () => PgClient,
    private readonly table: PostgresTable,
    /** Whether the command connection answers now (a probe): only then can a re-read a notification causes succeed. */
    private readonly commandsReady: () => Promise<boolean>,
    /** Whether the command connection is up now (not in an outage): in one, the safety net's re-reads wait until it answers. */
    canRead: () => boolean,
  ) {
    this.watchers = new JobWatchers(canRead);
  }

  watch(id: string, onChange: () => void): () => void {
    if (this.closed) return () => undefined;
    const { watcher } = this.watchers.add(id, onChange);
    // Once listening, nothing is missed: one re-read then covers the gap before it.
    if (this.listening) process.nextTick(() => this.watchers.has(id, watcher) && onChange());
    else if (!this.client && !this.reconnectTimer) void this.connect();
    return () => this.watchers.remove(id, watcher);
  }

  /** Whether the listening connection is up; for tests and health checks. */
  get isListening(): boolean {
    return this.listening;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
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
      if (message.channel === this.table.channel && message.payload !== undefined) this.watchers.notify(message.payload);
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
    this.watchers.notifyAll();
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
}
