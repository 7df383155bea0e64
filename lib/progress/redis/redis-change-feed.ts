import type { Redis } from 'ioredis';
import type { JobChangeFeed } from '../job-change-feed.interface.js';
import { closeQuietly } from '../../shared/redis/close-quietly.js';
import type { RedisConnection } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';

/**
 * How often every watcher is nudged anyway. Pub/sub delivers at most once: a
 * job whose process died changes without a message (its keys expire), so a
 * follower re-reads it now and then to notice.
 */
const RECHECK_INTERVAL = 5000;

interface Watcher {
  readonly onChange: () => void;
}

/**
 * {@link JobChangeFeed} over Redis pub/sub: one subscriber connection for
 * the whole process, opened on the first `watch`, subscribed to a channel per
 * watched job (shared by all its watchers) and unsubscribed when the last one
 * leaves.
 */
export class RedisChangeFeed implements JobChangeFeed {
  private subscriber: Redis | undefined;
  private readonly watchers = new Map<string, Set<Watcher>>();
  private recheck: NodeJS.Timeout | undefined;
  private connectedBefore = false;
  private closed = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly keys: RedisKeys,
  ) {}

  watch(id: string, onChange: () => void): () => void {
    if (this.closed) return () => undefined;
    const channel = this.keys.channel(id);
    const watcher: Watcher = { onChange };
    let watchers = this.watchers.get(channel);
    if (!watchers) {
      this.watchers.set(channel, (watchers = new Set()));
      // Once subscribed, nothing is missed: one re-read then covers the gap before it.
      this.open()
        .subscribe(channel)
        .then(
          () => this.notify(channel),
          () => undefined,
        );
    }
    watchers.add(watcher);
    this.startRecheck();
    return () => this.unwatch(channel, watcher);
  }

  /** Channels subscribed now; for tests and metrics. */
  get channels(): number {
    return this.watchers.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
    this.stopRecheck();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await closeQuietly(subscriber);
  }

  private unwatch(channel: string, watcher: Watcher): void {
    const watchers = this.watchers.get(channel);
    if (!watchers?.delete(watcher) || watchers.size > 0) return;
    this.watchers.delete(channel);
    this.subscriber?.unsubscribe(channel).catch(() => undefined);
    if (this.watchers.size === 0) this.stopRecheck();
  }

  private open(): Redis {
    if (this.subscriber) return this.subscriber;
    const name = this.connection.client.options.connectionName;
    // Subscriptions may wait for the connection (nobody awaits them), and
    // ioredis subscribes again by itself after a reconnect.
    const subscriber = this.connection.duplicate({
      enableOfflineQueue: true,
      commandTimeout: undefined,
      autoResubscribe: true,
      lazyConnect: false,
      connectionName: `${name ?? 'asyncjob'}:subscriber`,
    });
    subscriber.on('error', () => undefined); // the command connection logs outages
    subscriber.on('message', (channel: string) => this.notify(channel));
    subscriber.on('ready', () => {
      // Messages sent while it was away are lost: everyone re-reads.
      if (this.connectedBefore) for (const channel of this.watchers.keys()) this.notify(channel);
      this.connectedBefore = true;
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  private notify(channel: string): void {
    const watchers = this.watchers.get(channel);
    if (watchers) for (const watcher of watchers) safely(watcher.onChange);
  }

  private startRecheck(): void {
    if (this.recheck) return;
    this.recheck = setInterval(() => {
      for (const channel of this.watchers.keys()) this.notify(channel);
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
