import type { OnApplicationShutdown } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { TrackerUnavailableError } from '../../errors/tracker-unavailable.error.js';
import type { JobProgress, JobStatus } from '../../interfaces/job-status.interface.js';
import { ProgressCoalescer } from '../../shared/progress-coalescer.js';
import type { JobChangeFeed } from '../job-change-feed.interface.js';
import type { JobStatusStore, ProgressTracker } from '../progress-tracker.interface.js';
import { NOT_STARTED, decodeProgress, encodeProgress } from './progress-json.js';
import type { TrackerBatch } from './tracker-batch.interface.js';
import { UnsavedWrites } from './unsaved-writes.js';

/** Most finished jobs remembered as having no progress left; past it a later `remove` just clears it again. */
const MAX_SETTLED = 10_000;
const RESOLVED: Promise<void> = Promise.resolve();

/** What the tracker asks of its store's connection. */
export interface TrackerConnection {
  /** Whether the store answers now. */
  readonly available: boolean;
  /** Whether calls must fail at once (an outage is known). */
  readonly failsFast: boolean;
  /** The store, for logs and errors, e.g. `Redis at host:6379`. */
  readonly description: string;
  /** The error a call meets during an outage. */
  unavailable(operation: string): TrackerUnavailableError;
}

/**
 * What every tracker that keeps progress and statuses in a shared store
 * (Redis, PostgreSQL) does the same way, whatever the store: which jobs of
 * this process are active (renewed, and alone allowed to report progress),
 * progress coalesced to one write per `flushInterval`, a final status that
 * clears the progress in the same write, writes remembered through an outage
 * and replayed when the store returns, and a shutdown that writes what it
 * can first. A store brings its connection, its batched writes, its reads and
 * its change feed.
 */
export abstract class StoreProgressTracker implements ProgressTracker, JobStatusStore, JobChangeFeed, OnApplicationShutdown {
  /** Jobs of this process that are queued or running: their entries are renewed, and only they report progress. @internal */
  protected readonly active = new Set<string>();
  /** Lifetime of an active job's entries, in ms. @internal */
  protected readonly ttl: number;
  private readonly logger: Logger;
  private readonly coalescer: ProgressCoalescer;
  private readonly unsaved = new UnsavedWrites();
  /** Jobs whose final status write also cleared their progress: their `remove` has nothing left to do. */
  private readonly settled = new Set<string>();
  private readonly renewTimer: NodeJS.Timeout;
  private renewing = false;
  private flushFailing = false;
  private closing: Promise<void> | undefined;

  /** The store's connection (set by the subclass's constructor; read only once it has run). @internal */
  protected abstract readonly connection: TrackerConnection;
  /** Tells when a job may have changed, in any process. @internal */
  protected abstract readonly feed: Pick<JobChangeFeed, 'watch'>;

  /** @internal */
  protected constructor(name: string, ttl: number, flushInterval: number) {
    this.ttl = ttl;
    this.logger = new Logger(name);
    this.coalescer = new ProgressCoalescer(
      flushInterval,
      (batch) => this.writeProgress(batch),
      () => this.connection.available,
      (id) => this.active.has(id),
      (error) => this.reportFlushError(error),
    );
    this.renewTimer = setInterval(() => void this.renew(), Math.floor(ttl / 3));
    this.renewTimer.unref();
  }

  /** Queues `build`'s writes for this tick's round trip; fails at once while the store is away. @internal */
  protected abstract write(operation: string, build: (batch: TrackerBatch) => void): Promise<void>;
  /** The job's progress as the store holds it (JSON), `null` when none. @internal */
  protected abstract readProgress(id: string): Promise<string | null>;
  /** The job's status as the store holds it (JSON), `null` when none. @internal */
  protected abstract readStatus(id: string): Promise<string | null>;
  /** Where the progress of `id` is kept, for an error about what is found there. @internal */
  protected abstract progressLocation(id: string): string;
  /** Keeps the entries of these active jobs alive `ttl` ms more. @internal */
  protected abstract renewEntries(ids: ReadonlySet<string>): Promise<void>;
  /** Closes the feed and the connections, once everything that could be written is. @internal */
  protected abstract closeStore(): Promise<void>;

  /** Writes the job's progress as `[-1, null]`: from now on every process reads it as tracked. */
  track(id: string): Promise<void> {
    this.active.add(id);
    this.coalescer.take(id);
    this.unsaved.forget(id);
    this.settled.delete(id);
    return this.write('track', (batch) => batch.progress(id, NOT_STARTED, this.ttl, false)).catch((error: unknown) => {
      this.active.delete(id);
      throw error;
    });
  }

  /** Clears the job's progress: `getProgress` answers `null` from now on. */
  remove(id: string): Promise<void> {
    this.active.delete(id);
    this.coalescer.take(id);
    // Cleared with the final status (or remembered for replay with it).
    if (this.settled.delete(id)) return RESOLVED;
    return this.write('remove', (batch) => batch.removeProgress(id)).catch((error: unknown) => {
      if (error instanceof TrackerUnavailableError) this.unsaved.remember(id, { removeProgress: true });
      throw error;
    });
  }

  /**
   * Accepts the update at once and writes it within `flushInterval` ms
   * (coalesced with later ones). Throws a `TrackerUnavailableError` while
   * the store is away, but keeps the update and writes it when it returns.
   * Updates for jobs this tracker is not tracking (never tracked, or already
   * finished) are ignored, so a late update cannot bring back a finished job.
   */
  setProgress(id: string, value: number, data: unknown): void {
    if (!this.active.has(id)) return;
    this.coalescer.set(id, encodeProgress(value, data));
    if (this.connection.failsFast) throw this.connection.unavailable('setProgress');
  }

  /** The job's progress, `null` when it is not tracked (unknown, finished, or expired). */
  async getProgress(id: string): Promise<JobProgress | null> {
    // This process's latest update, not yet written, is the freshest answer.
    const pending = this.connection.available ? this.coalescer.peek(id) : undefined;
    const json = pending ?? (await this.readProgress(id));
    return json === null ? null : decodeProgress(json, this.progressLocation(id), this.connection.description);
  }

  /**
   * Writes the status, with the latest progress in the same round trip, so no
   * reader sees a status older than the progress. A final status (with a
   * `retention`) also clears the job's progress in that write: its final
   * progress is in the status, and `remove` then has nothing left to send.
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
    this.unsaved.dropStatus(id);
    const write = expiresAt === undefined ? { status: json } : { status: json, expiresAt, removeProgress: true };
    let progress: string | undefined;
    return this.write('saveStatus', (batch) => {
      if (expiresAt === undefined) {
        progress = this.coalescer.take(id);
        if (progress !== undefined) batch.progress(id, progress, this.ttl, false);
      }
      UnsavedWrites.replay(batch, id, write, this.ttl);
    }).catch((error: unknown) => {
      if (progress !== undefined) this.coalescer.restore(id, progress);
      if (error instanceof TrackerUnavailableError) this.unsaved.remember(id, write);
      throw error;
    });
  }

  /** The job's latest status, `null` when unknown or expired. */
  async getStatus(id: string): Promise<JobStatus | null> {
    const json = await this.readStatus(id);
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

  /** The store is (back) up: write what could not be written while it was away. @internal */
  protected replay(): void {
    this.coalescer.schedule();
    void this.replayNow().catch(() => undefined);
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.renewTimer);
    if (this.connection.available) {
      await this.coalescer.flush();
      await this.replayNow().catch(() => undefined);
    }
    this.coalescer.stop();
    await this.closeStore();
  }

  private writeProgress(batch: ReadonlyMap<string, string>): Promise<void> {
    return this.write('setProgress', (writes) => {
      for (const [id, json] of batch) {
        // Finished while the batch waited: its progress must stay cleared.
        if (this.active.has(id)) writes.progress(id, json, this.ttl, true);
      }
    }).then(() => {
      this.flushFailing = false;
    });
  }

  private async replayNow(): Promise<void> {
    if (this.unsaved.size === 0) return;
    const entries = this.unsaved.takeAll();
    try {
      await this.write('replay', (batch) => {
        for (const [id, write] of entries) UnsavedWrites.replay(batch, id, write, this.ttl);
      });
    } catch (error) {
      this.unsaved.restore(entries);
      throw error;
    }
  }

  /** Renews the entries of this process's active jobs, so none expires while it waits or runs. */
  private async renew(): Promise<void> {
    if (this.renewing || this.active.size === 0 || !this.connection.available) return;
    this.renewing = true;
    try {
      await this.renewEntries(this.active);
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
