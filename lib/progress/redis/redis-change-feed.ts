import type { Redis } from 'ioredis';
import type { JobChangeFeed } from '../job-change-feed.interface.js';
import { closeQuietly } from '../../shared/redis/close-quietly.js';
import type { RedisConnection } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';
import { JobWatchers } from '../../shared/job-watchers.js';

/**
 * {@link JobChangeFeed} over Redis pub/sub: one subscriber connection for
 * the whole process, opened on the first `watch`, subscribed to a channel per
 * watched job (shared by all its watchers) and unsubscribed when the last one
 * leaves.
 */
export class RedisChangeFeed implements JobChangeFeed {
  private subscriber: Redis | undefined;
  /** By channel. Pub/sub delivers at most once, so they are also woken now and then. */
  private readonly watchers = new JobWatchers();
  private connectedBefore = false;
  private closed = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly keys: RedisKeys,
  ) {}

  watch(id: string, onChange: () => void): () => void {
    if (this.closed) return () => undefined;
    const channel = this.keys.channel(id);
    const { watcher, first } = this.watchers.add(channel, onChange);
    if (first) {
      // Once subscribed, nothing is missed: one re-read then covers the gap before it.
      this.open()
        .subscribe(channel)
        .then(
          () => this.watchers.notify(channel),
          () => undefined,
        );
    }
    return () => {
      if (this.watchers.remove(channel, watcher)) this.subscriber?.unsubscribe(channel).catch(() => undefined);
    };
  }

  /** Channels subscribed now; for tests and metrics. */
  get channels(): number {
    return this.watchers.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await closeQuietly(subscriber);
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
    subscriber.on('message', (channel: string) => this.watchers.notify(channel));
    subscriber.on('ready', () => {
      // Messages sent while it was away are lost: everyone re-reads.
      if (this.connectedBefore) this.watchers.notifyAll();
      this.connectedBefore = true;
    });
    this.subscriber = subscriber;
    return subscriber;
  }
}
