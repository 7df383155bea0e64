/**
 * Cancel requests for jobs running in another process, over Redis pub/sub:
 * BullMQ can remove a waiting job but has no way to stop one a worker holds,
 * so the process running it is told on a channel of our own. Both
 * connections are the transport's own, opened only when needed.
 */
import type { Redis } from 'ioredis';
import { closeQuietly } from '../shared/redis/close-quietly.js';
import { openRedisClient } from '../shared/redis/open-client.js';
import type { BullMqSettings } from './bullmq-options.js';
import type { ReportError } from '../shared/throttled-error-log.js';

export class CancelChannel {
  /** Opened on the first request sent. */
  private publisher: Redis | undefined;
  /** Worker role only. */
  private subscriber: Redis | undefined;

  /** Beside BullMQ's keys, so that every process of the app, and only those, share it. */
  private readonly channel: string;

  constructor(
    private readonly settings: Pick<BullMqSettings, 'connection' | 'ownKeyPrefix'>,
    private readonly report: ReportError,
  ) {
    this.channel = `${settings.ownKeyPrefix}cancel`;
  }

  /** Asks every process to cancel job `id`; the one running it does. Bound, so it can be handed on as it is. */
  readonly publish = async (id: string): Promise<void> => {
    this.publisher ??= this.open('cancel-publisher');
    await this.publisher.publish(this.channel, id);
  };

  /** Calls `onCancel` with each job id asked for; resolves once subscribed. */
  async subscribe(onCancel: (id: string) => void): Promise<void> {
    const subscriber = this.open('cancel-subscriber');
    subscriber.on('message', (_channel: string, id: string) => onCancel(id));
    this.subscriber = subscriber;
    await subscriber.subscribe(this.channel);
  }

  /** First at shutdown: no request is taken while the jobs running here wind down. */
  async unsubscribe(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await closeQuietly(subscriber);
  }

  /** Last at shutdown: `cancel()` may still publish while the rest closes. */
  async close(): Promise<void> {
    await this.unsubscribe();
    const publisher = this.publisher;
    this.publisher = undefined;
    if (publisher) await closeQuietly(publisher);
  }

  /** Shutdown gave up waiting (Redis away): drop both sockets. */
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
