/**
 * One LISTEN connection per process, for every channel a queue transport
 * follows: its own (cancel requests, job changes: the engines' own NOTIFYs
 * carry nothing a transport can act on) and, for pg-boss, pg-boss's (new
 * jobs, through the `listen` of its `db` option). Opened on the first
 * `listen`, opened again after it breaks.
 */
import type { ReportError } from '../throttled-error-log.js';

/** Wait before opening a broken connection again, in ms. */
const RECONNECT_DELAY = 1000;

/** A connection checked out of a pool, as LISTEN uses it. */
export interface ListenClient {
  query(text: string, values?: unknown[]): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string | undefined }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeAllListeners(event?: string): unknown;
  release(error?: Error | boolean): void;
}

/** Where the listener's connection comes from: a pool (the app's or the transport's own). */
export interface ListenSource {
  connect(): Promise<ListenClient>;
}

/** The LISTEN side of a transport's channels: one connection from `source`, every channel's handler on it. */
export class NotifyListener {
  private readonly handlers = new Map<string, (payload: string) => void>();
  /** Called after the connection was opened again: notifications sent meanwhile were lost. */
  private readonly reconnected = new Set<() => void>();
  private client: Promise<ListenClient> | undefined;
  private closed = false;

  constructor(
    private readonly source: ListenSource,
    private readonly report: ReportError,
  ) {}

  /** Calls `handler` with the payload of every notification on `channel`; resolves once listening. */
  async listen(channel: string, handler: (payload: string) => void): Promise<void> {
    this.handlers.set(channel, handler);
    const client = await (this.client ??= this.open());
    await client.query(`LISTEN "${channel}"`);
  }

  /** Stops following `channel`. */
  async unlisten(channel: string): Promise<void> {
    if (!this.handlers.delete(channel) || !this.client) return;
    await (await this.client).query(`UNLISTEN "${channel}"`);
  }

  /** Calls `callback` each time the connection has been opened again and listens anew; returns the way to stop. */
  onReconnect(callback: () => void): () => void {
    this.reconnected.add(callback);
    return () => this.reconnected.delete(callback);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    try {
      const opened = await client;
      opened.removeAllListeners('notification');
      opened.release(true);
    } catch {
      // Never opened: nothing to release.
    }
  }

  private async open(): Promise<ListenClient> {
    const client = await this.source.connect();
    client.on('notification', (message) => {
      if (message.payload !== undefined) this.handlers.get(message.channel)?.(message.payload);
    });
    client.on('error', (error) => this.broken(client, error));
    return client;
  }

  private broken(client: ListenClient, error: Error): void {
    this.report('LISTEN connection', error);
    client.removeAllListeners('notification');
    client.release(error);
    this.client = undefined;
    if (this.closed) return;
    setTimeout(() => void this.reopen(), RECONNECT_DELAY).unref();
  }

  private async reopen(): Promise<void> {
    if (this.closed || this.client) return;
    try {
      const client = await (this.client = this.open());
      for (const channel of this.handlers.keys()) await client.query(`LISTEN "${channel}"`);
      for (const callback of this.reconnected) callback();
    } catch (error) {
      this.client = undefined;
      this.report('LISTEN reconnect', error);
      setTimeout(() => void this.reopen(), RECONNECT_DELAY).unref();
    }
  }
}
