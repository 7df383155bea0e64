import type { Redis } from 'ioredis';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import { RedisChangeFeed } from './redis/redis-change-feed.js';
import { createTrackerClient } from './redis/redis-client-factory.js';
import { RedisConnection } from './redis/redis-connection.js';
import { RedisKeys } from './redis/redis-keys.js';
import { redisTrackerBatch } from './redis/redis-tracker-batch.js';
import { WriteQueue } from './redis/write-queue.js';
import type { RedisProgressTrackerOptions } from './redis/redis-progress-tracker-options.interface.js';
import { StoreProgressTracker } from './store/store-progress-tracker.js';
import type { TrackerBatch } from './store/tracker-batch.interface.js';

/** Jobs whose keys are renewed per round trip. */
const RENEW_BATCH = 500;

/**
 * Progress and statuses in Redis, shared by every process of an app (and by
 * every app using the same `keyPrefix`): a job started in one process is
 * read, awaited and streamed from any other.
 *
 * ```ts
 * AsyncJobModule.forRoot({ tracker: new RedisProgressTracker({ host: 'redis', keyPrefix: 'shop:' }) })
 * ```
 *
 * - Keys: `<keyPrefix><id>` holds `[value, data]` as JSON, tgext.asyncjob's
 *   layout; `<keyPrefix><id>:status` the `JobStatus`. Every write sets a
 *   lifetime: `timeout` for a job's keys, renewed by its process while the job
 *   is queued or running; the module's `retention` for a finished status.
 * - `setProgress` is coalesced: at most one write per `flushInterval` ms, the
 *   latest value winning; a job's final progress is written with its final
 *   status, before it is reported finished.
 * - Writes made in the same tick (a burst of jobs) go to Redis together, in
 *   order, as one script call: one round trip for the burst. A final status
 *   deletes the progress key in the same call, just after the status.
 * - Changes are announced on `<keyPrefix><id>:changes`, one subscriber
 *   connection per process, so `waitFor` and `progress$` follow jobs of other
 *   processes without polling.
 * - While Redis is away calls fail at once with a `TrackerUnavailableError`
 *   (logged once per outage); running jobs go on, and when Redis returns the
 *   latest progress and statuses written meanwhile are replayed.
 *
 * Connections the tracker opened are closed at application shutdown (or by
 * {@link close}); a client passed in is left open unless `closeClient` is set.
 * ioredis, an optional peer dependency, is loaded only when a tracker is
 * constructed.
 *
 * @publicApi
 */
export class RedisProgressTracker extends StoreProgressTracker {
  /** @internal */
  protected readonly connection: RedisConnection;
  /** @internal */
  protected readonly feed: RedisChangeFeed;
  private readonly keys: RedisKeys;
  private readonly writes: WriteQueue;

  constructor(options: RedisProgressTrackerOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('RedisProgressTracker', options, 'an options object');
    const timeout = seconds('timeout', options.timeout, 3600);
    const flushInterval = atLeastZero('flushInterval', options.flushInterval, 100);
    const commandTimeout = positive('commandTimeout', options.commandTimeout, 2000);
    const connectTimeout = positive('connectTimeout', options.connectTimeout, 5000);
    const keyPrefix = options.keyPrefix ?? 'asyncjob:';
    if (typeof keyPrefix !== 'string') throw new InvalidOptionError('RedisProgressTracker.keyPrefix', keyPrefix, 'a string');
    super('RedisProgressTracker', Math.ceil(timeout * 1000), flushInterval);
    this.keys = new RedisKeys(keyPrefix);
    const { client, owned } = createTrackerClient(options, commandTimeout);
    this.connection = new RedisConnection(client, owned, commandTimeout, connectTimeout);
    this.feed = new RedisChangeFeed(this.connection, this.keys);
    this.writes = new WriteQueue(this.connection);
    this.connection.onReady(() => this.replay());
  }

  /** The key prefix; every key and channel of this tracker starts with it. */
  get keyPrefix(): string {
    return this.keys.prefix;
  }

  /** The command connection (the given client, or the one the tracker opened), e.g. for a health check. */
  get client(): Redis {
    return this.connection.client;
  }

  /** @internal */
  protected write(operation: string, build: (batch: TrackerBatch) => void): Promise<void> {
    return this.writes.write(operation, (batch) => build(redisTrackerBatch(batch, this.keys)));
  }

  /** @internal */
  protected readProgress(id: string): Promise<string | null> {
    return this.connection.run('getProgress', (client) => client.get(this.keys.progress(id)));
  }

  /** @internal */
  protected readStatus(id: string): Promise<string | null> {
    return this.connection.run('getStatus', (client) => client.get(this.keys.status(id)));
  }

  /** @internal */
  protected progressLocation(id: string): string {
    return `key ${this.keys.progress(id)}`;
  }

  /** PEXPIRE of both keys of each job, pipelined, RENEW_BATCH jobs a round trip. @internal */
  protected async renewEntries(active: ReadonlySet<string>): Promise<void> {
    const ids = [...active];
    for (let start = 0; start < ids.length; start += RENEW_BATCH) {
      await this.connection.run('renew', (client) => {
        const pipeline = client.pipeline();
        for (const id of ids.slice(start, start + RENEW_BATCH)) {
          // A status made final since the round started keeps its retention.
          if (!active.has(id)) continue;
          pipeline.pexpire(this.keys.progress(id), this.ttl);
          pipeline.pexpire(this.keys.status(id), this.ttl);
        }
        return pipeline.length === 0 ? Promise.resolve() : this.connection.exec(pipeline);
      });
    }
  }

  /** @internal */
  protected async closeStore(): Promise<void> {
    await this.feed.close();
    await this.connection.close();
  }
}

/** At least a second: keys are renewed every third of it, which must stay well above timer jitter. */
function seconds(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
    throw new InvalidOptionError(`RedisProgressTracker.${name}`, value, 'a finite number of seconds >= 1');
  }
  return value;
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(`RedisProgressTracker.${name}`, value, 'a finite number > 0');
  }
  return value;
}

function atLeastZero(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(`RedisProgressTracker.${name}`, value, 'a finite number >= 0');
  }
  return value;
}
