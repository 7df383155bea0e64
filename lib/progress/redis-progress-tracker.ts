import type { OnApplicationShutdown } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import { TrackerUnavailableError } from '../errors/tracker-unavailable.error.js';
import type { JobProgress, JobStatus } from '../interfaces/job-status.interface.js';
import { ProgressCoalescer } from '../shared/progress-coalescer.js';
import { describeValue } from '../utils/describe-value.js';
import type { JobChangeFeed } from './job-change-feed.interface.js';
import type { JobStatusStore, ProgressTracker } from './progress-tracker.interface.js';
import { RedisChangeFeed } from './redis/redis-change-feed.js';
import { createTrackerClient } from './redis/redis-client-factory.js';
import { RedisConnection } from './redis/redis-connection.js';
import { RedisKeys } from './redis/redis-keys.js';
import { WriteQueue, type WriteBatch } from './redis/write-queue.js';
import type { RedisProgressTrackerOptions } from './redis/redis-progress-tracker-options.interface.js';

/** tgext.asyncjob's "tracked, no progress yet". */
const NOT_STARTED = '[-1,null]';
/** Most writes kept for replay while Redis is away; past it the oldest are dropped (their keys then expire). */
const MAX_UNSAVED = 10_000;
/** Jobs whose keys are renewed per round trip. */
const RENEW_BATCH = 500;
/** Most finished jobs remembered as having no progress key left; past it a later `remove` just deletes it again. */
const MAX_SETTLED = 10_000;
const RESOLVED: Promise<void> = Promise.resolve();

/** A status write or key deletion that failed while Redis was away, to replay when it returns. */
interface UnsavedWrite {
  /** The status as JSON. */
  status?: string | undefined;
  /** For a final status: when its retention ends (epoch ms). */
  expiresAt?: number | undefined;
  /** The progress key must go: the job finished. */
  removeProgress?: boolean;
}

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
export class RedisProgressTracker implements ProgressTracker, JobStatusStore, JobChangeFeed, OnApplicationShutdown {
  private readonly logger = new Logger('RedisProgressTracker');
  private readonly connection: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly feed: RedisChangeFeed;
  private readonly coalescer: ProgressCoalescer;
  /** Lifetime of an active job's keys, in ms. */
  private readonly ttl: number;
  /** Jobs of this process that are queued or running: their keys are renewed, and only they report progress. */
  private readonly active = new Set<string>();
  private readonly unsaved = new Map<string, UnsavedWrite>();
  /** Jobs whose final status write also deleted their progress key: their `remove` has nothing left to do. */
  private readonly settled = new Set<string>();
  private readonly writes: WriteQueue;
  private readonly renewTimer: NodeJS.Timeout;
  private renewing = false;
  private flushFailing = false;
  private closing: Promise<void> | undefined;

  constructor(options: RedisProgressTrackerOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('RedisProgressTracker', options, 'an options object');
    const timeout = seconds('timeout', options.timeout, 3600);
    const flushInterval = atLeastZero('flushInterval', options.flushInterval, 100);
    const commandTimeout = positive('commandTimeout', options.commandTimeout, 2000);
    const connectTimeout = positive('connectTimeout', options.connectTimeout, 5000);
    const keyPrefix = options.keyPrefix ?? 'asyncjob:';
    if (typeof keyPrefix !== 'string') throw new InvalidOptionError('RedisProgressTracker.keyPrefix', keyPrefix, 'a string');

    this.ttl = Math.ceil(timeout * 1000);
    this.keys = new RedisKeys(keyPrefix);
    const { client, owned } = createTrackerClient(options, commandTimeout);
    this.connection = new RedisConnection(client, owned, commandTimeout, connectTimeout);
    this.feed = new RedisChangeFeed(this.connection, this.keys);
    this.writes = new WriteQueue(this.connection);
    this.coalescer = new ProgressCoalescer(
      flushInterval,
      (batch) => this.writeProgress(batch),
      () => this.connection.available,
      (id) => this.active.has(id),
      (error) => this.reportFlushError(error),
    );
    this.connection.onReady(() => this.replay());
    this.renewTimer = setInterval(() => void this.renew(), Math.floor(this.ttl / 3));
    this.renewTimer.unref();
  }

  /** The key prefix; every key and channel of this tracker starts with it. */
  get keyPrefix(): string {
    return this.keys.prefix;
  }

  /** The command connection (the given client, or the one the tracker opened), e.g. for a health check. */
  get client(): Redis {
    return this.connection.client;
  }

  track(id: string): Promise<void> {
    this.active.add(id);
    this.coalescer.take(id);
    this.unsaved.delete(id);
    this.settled.delete(id);
    return this.writes
      .write('track', (batch) => batch.set(this.keys.progress(id), NOT_STARTED, this.ttl))
      .catch((error: unknown) => {
        this.active.delete(id);
        throw error;
      });
  }

  remove(id: string): Promise<void> {
    this.active.delete(id);
    this.coalescer.take(id);
    // Deleted with the final status (or remembered for replay with it).
    if (this.settled.delete(id)) return RESOLVED;
    return this.writes
      .write('remove', (batch) => batch.del(this.keys.progress(id)))
      .catch((error: unknown) => {
        if (error instanceof TrackerUnavailableError) this.remember(id, { removeProgress: true });
        throw error;
      });
  }

  /**
   * Accepts the update at once and writes it within `flushInterval` ms
   * (coalesced with later ones). Throws a `TrackerUnavailableError` while
   * Redis is away, but keeps the update and writes it when Redis returns.
   * Updates for jobs this tracker is not tracking (never tracked, or already
   * finished) are ignored, so a late update cannot bring back a finished job.
   */
  setProgress(id: string, value: number, data: unknown): void {
    if (!this.active.has(id)) return;
    this.coalescer.set(id, JSON.stringify([value, data ?? null]));
    if (this.connection.failsFast) throw this.connection.unavailable('setProgress');
  }

  async getProgress(id: string): Promise<JobProgress | null> {
    // This process's latest update, not yet written, is the freshest answer.
    const pending = this.connection.available ? this.coalescer.peek(id) : undefined;
    const json = pending ?? (await this.connection.run('getProgress', (client) => client.get(this.keys.progress(id))));
    return json === null ? null : decodeProgress(json, this.keys.progress(id), this.connection.description);
  }

  /**
   * Writes the status (and the latest progress, first, so no reader sees a
   * status older than the progress). A final status (with a `retention`)
   * also deletes the job's progress key, after the status, in the same round
   * trip: its final progress is in the status, and `remove` then has nothing
   * left to send.
   */
  saveStatus(status: JobStatus, retention?: number): Promise<void> {
    const id = status.id;
    const json = JSON.stringify(status);
    const expiresAt = retention === undefined ? undefined : Date.now() + retention;
    if (expiresAt === undefined) {
      this.active.add(id);
      this.settled.delete(id);
    } else {
      this.active.delete(id);
      this.coalescer.take(id);
      this.settled.add(id);
      if (this.settled.size > MAX_SETTLED) this.settled.delete(this.settled.values().next().value as string);
    }
    // Whatever happens to this write, an older unsaved status must never be replayed over it.
    const unsaved = this.unsaved.get(id);
    if (unsaved) unsaved.status = unsaved.expiresAt = undefined;
    let progress: string | undefined;
    return this.writes
      .write('saveStatus', (batch) => {
        if (expiresAt === undefined) {
          progress = this.coalescer.take(id);
          if (progress !== undefined) batch.set(this.keys.progress(id), progress, this.ttl);
        }
        this.writeStatus(batch, id, json, expiresAt, expiresAt !== undefined);
      })
      .catch((error: unknown) => {
        if (progress !== undefined) this.coalescer.restore(id, progress);
        if (error instanceof TrackerUnavailableError) {
          this.remember(id, expiresAt === undefined ? { status: json } : { status: json, expiresAt, removeProgress: true });
        }
        throw error;
      });
  }

  async getStatus(id: string): Promise<JobStatus | null> {
    const json = await this.connection.run('getStatus', (client) => client.get(this.keys.status(id)));
    return json === null ? null : (JSON.parse(json) as JobStatus);
  }

  /** Calls `onChange` whenever job `id` may have changed; see {@link JobChangeFeed}. */
  watch(id: string, onChange: () => void): () => void {
    return this.feed.watch(id, onChange);
  }

  /** Writes buffered progress now rather than within `flushInterval`; resolves when it is written (or failed). */
  flush(): Promise<void> {
    return this.coalescer.flush();
  }

  /** Flushes what it can, then closes the connections the tracker opened. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /** Nest calls it after `AsyncJobService` has drained, so every final status is written first. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.renewTimer);
    if (this.connection.available) {
      await this.coalescer.flush();
      await this.replayNow();
    }
    this.coalescer.stop();
    await this.feed.close();
    await this.connection.close();
  }

  private writeProgress(batch: ReadonlyMap<string, string>): Promise<void> {
    return this.writes
      .write('setProgress', (writes) => {
        for (const [id, json] of batch) {
          // Finished while the batch waited: its key must stay deleted.
          if (!this.active.has(id)) continue;
          writes.set(this.keys.progress(id), json, this.ttl);
          writes.publish(this.keys.channel(id), 'progress');
        }
      })
      .then(() => {
        this.flushFailing = false;
      });
  }

  /**
   * Queues a status write (or deletion, after the retention is over), the
   * progress key's deletion for a finished job, and their announcement.
   */
  private writeStatus(batch: WriteBatch, id: string, json: string, expiresAt: number | undefined, removeProgress: boolean): void {
    const key = this.keys.status(id);
    if (expiresAt === undefined) {
      batch.set(key, json, this.ttl);
    } else {
      const left = Math.ceil(expiresAt - Date.now());
      if (left > 0) batch.set(key, json, left);
      else batch.del(key);
    }
    // After the status: getProgress answers null only once the final status is there.
    if (removeProgress) batch.del(this.keys.progress(id));
    batch.publish(this.keys.channel(id), 'status');
  }

  private remember(id: string, write: UnsavedWrite): void {
    const entry = this.unsaved.get(id);
    if (entry) {
      Object.assign(entry, write);
      return;
    }
    this.unsaved.set(id, { ...write });
    if (this.unsaved.size > MAX_UNSAVED) this.unsaved.delete(this.unsaved.keys().next().value as string);
  }

  /** Redis is (back) up: write what could not be written while it was away. */
  private replay(): void {
    this.coalescer.schedule();
    void this.replayNow().catch(() => undefined);
  }

  private async replayNow(): Promise<void> {
    if (this.unsaved.size === 0) return;
    const entries = [...this.unsaved];
    this.unsaved.clear();
    try {
      await this.writes.write('replay', (batch) => {
        for (const [id, write] of entries) {
          if (write.status !== undefined) this.writeStatus(batch, id, write.status, write.expiresAt, write.removeProgress === true);
          else if (write.removeProgress) batch.del(this.keys.progress(id));
        }
      });
    } catch (error) {
      // Newer writes for the same job supersede what failed here.
      for (const [id, write] of entries) if (!this.unsaved.has(id)) this.remember(id, write);
      throw error;
    }
  }

  /** Renews the keys of this process's active jobs, so none expires while it waits or runs. */
  private async renew(): Promise<void> {
    if (this.renewing || this.active.size === 0 || !this.connection.available) return;
    this.renewing = true;
    try {
      const ids = [...this.active];
      for (let start = 0; start < ids.length; start += RENEW_BATCH) {
        await this.connection.run('renew', (client) => {
          const pipeline = client.pipeline();
          for (const id of ids.slice(start, start + RENEW_BATCH)) {
            // A status made final since the round started keeps its retention.
            if (!this.active.has(id)) continue;
            pipeline.pexpire(this.keys.progress(id), this.ttl);
            pipeline.pexpire(this.keys.status(id), this.ttl);
          }
          return pipeline.length === 0 ? Promise.resolve() : this.connection.exec(pipeline);
        });
      }
    } catch {
      // An outage is logged by the connection; the next round tries again.
    } finally {
      this.renewing = false;
    }
  }

  private reportFlushError(error: unknown): void {
    if (error instanceof TrackerUnavailableError || this.flushFailing) return;
    this.flushFailing = true;
    this.logger.error(`Writing progress to ${this.connection.description} failed: ${(error as Error).message}; retrying`);
  }
}

/** A key that holds something else (written by another program?) makes the store unable to answer, not the caller wrong. */
function decodeProgress(json: string, key: string, store: string): JobProgress {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && typeof parsed[0] === 'number') return { value: parsed[0], data: (parsed[1] as unknown) ?? null };
  if (typeof parsed === 'number') return { value: parsed, data: null };
  throw new TrackerUnavailableError(
    store,
    'getProgress',
    `key ${key} does not hold progress as a JSON [value, data] array: ${describeValue(json)}`,
  );
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
