/**
 * The cancel channel on Redis, over pub/sub, beside BullMQ's keys. Both
 * connections are the transport's own, opened only when needed.
 */
import type { Redis } from 'ioredis';
import { closeQuietly } from '../shared/redis/close-quietly.js';
import { openRedisClient } from '../shared/redis/open-client.js';
import type { RedisQueues } from './bullmq-options.js';
import type { CancelChannel } from './cancel-channel.interface.js';
import type { ReportError } from '../shared/throttled-error-log.js';

/** {@link CancelChannel} over Redis pub/sub, on a channel beside BullMQ's keys. */
export class RedisCancelChannel implements CancelChannel {
  /** Opened on the first request sent. */
  private publisher: Redis | undefined;
  /** Worker role only. */
  private subscriber: Redis | undefined;

  /** Beside BullMQ's keys, so that every process of the app, and only those, share it. */
  private readonly channel: string;

  constructor(
    private readonly settings: Pick<RedisQueues, 'connection' | 'ownKeyPrefix'>,
    private readonly report: ReportError,
  ) {
    this.channel = `${settings.ownKeyPrefix}cancel`;
  }

  readonly publish = async (id: string): Promise<void> => {
    this.publisher ??= this.open('cancel-publisher');
    await this.publisher.publish(this.channel, id);
  };

  async subscribe(onCancel: (id: string) => void): Promise<void> {
    const subscriber = this.open('cancel-subscriber');
    subscriber.on('message', (_channel: string, id: string) => onCancel(id));
    this.subscriber = subscriber;
    await subscriber.subscribe(this.channel);
  }

  async unsubscribe(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await closeQuietly(subscriber);
  }

  async close(): Promise<void> {
    await this.unsubscribe();
    const publisher = this.publisher;
    this.publisher = undefined;
    if (publisher) await closeQuietly(publisher);
  }

  disconnect(): void {
    this.subscriber?.disconnect();
    this.publisher?.disconnect();
  }

  private open(role: string): Redis {
    // No retry limit: a publish waits out a short outage instead of failing the cancel.
    const client = openRedisClient(
      this.settings.connection,
      { connectionName: `asyncjob:${role}`, maxRetriesPerRequest: null },
      'BullMqTransport',
    );
    client.on('error', (error: Error) => this.report(role, error));
    return client;
  }
}
