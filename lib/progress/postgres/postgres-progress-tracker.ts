import type { OnApplicationShutdown } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { InvalidOptionError } from '../../errors/invalid-option.error.js';
import { TrackerUnavailableError } from '../../errors/tracker-unavailable.error.js';
import type { JobProgress, JobStatus } from '../../interfaces/job-status.interface.js';
import { ProgressCoalescer } from '../../shared/progress-coalescer.js';
import type { JobChangeFeed } from '../job-change-feed.interface.js';
import type { JobStatusStore, ProgressTracker } from '../progress-tracker.interface.js';
import { loadPg } from './load-pg.js';
import { PostgresChangeFeed } from './postgres-change-feed.js';
import { PostgresConnection } from './postgres-connection.js';
import { TableMissingError } from './postgres-errors.js';
import type { PostgresPool } from './postgres-pool.interface.js';
import type { PostgresProgressTrackerOptions } from './postgres-progress-tracker-options.interface.js';
import { PostgresTable } from './postgres-table.js';
import { NOT_STARTED, decodeProgress, encodeProgress } from './progress-json.js';
import { TableCleanup } from './table-cleanup.js';
import { createTrackerPool, describeServer } from './tracker-pool.js';
import { trackerSettings } from './tracker-settings.js';
import { UnsavedWrites } from './unsaved-writes.js';
import { WriteQueue } from './write-queue.js';

const FEATURE = 'PostgresProgressTracker';
/** Most finished jobs remembered as having no progress left; past it a later `remove` just clears it again. */
const MAX_SETTLED = 10_000;
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Progress and statuses in a PostgreSQL table, shared by every process of an
 * app that uses the same table: a job started in one process is read,
 * awaited and streamed from any other, with no Redis.
 *
 * ```ts
 * AsyncJobModule.forRoot({ tracker: new PostgresProgressTracker({ connectionString: process.env.DATABASE_URL }) })
 * ```
 *
 * - One row per job in `<schema>.<table>` (created at start unless
 *   `createTable` is `false`): `progress` holds `[value, data]` as JSON,
 *   tgext.asyncjob's layout, `status` the `JobStatus` as JSON, and
 *   `expires_at` its end: `timeout` from the last write or keep-alive for an
 *   active job, renewed by its process; the module's `retention` for a final
 *   status. Expired rows are never read, and are deleted every
 *   `cleanupInterval`.
 * - `setProgress` is coalesced: at most one write per `flushInterval` ms, the
 *   latest value winning; a job's final progress is written with its final
 *   status, before it is reported finished.
 * - Writes made in the same tick go together as one statement (one round
 *   trip, one transaction), and never overtake each other.
 * - Every write announces the jobs it changed with `pg_notify` in that same
 *   statement, so the notification goes out when the write commits. One
 *   listening connection per process follows the channel, so `waitFor` and
 *   `progress$` follow jobs of other processes without polling.
 * - While PostgreSQL is away calls fail at once with a
 *   `TrackerUnavailableError` (logged once per outage); running jobs go on,
 *   and when it returns the latest progress and statuses written meanwhile
 *   are written.
 *
 * Connections the tracker opened are closed at application shutdown (or by
 * {@link close}); a pool passed in is left open unless `closePool` is set.
 * `pg`, an optional peer dependency, is loaded only when a tracker is
 * constructed.
 *
 * @publicApi
 */
export class PostgresProgressTracker implements ProgressTracker, JobStatusStore, JobChangeFeed, OnApplicationShutdown {
  private readonly logger = new Logger(FEATURE);
  private readonly table: PostgresTable;
  private readonly connection: PostgresConnection;
  private readonly writes: WriteQueue;
  private readonly feed: PostgresChangeFeed;
  private readonly cleanup: TableCleanup;
  private readonly coalescer: ProgressCoalescer;
  /** Lifetime of an active job's row, in ms. */
  private readonly ttl: number;
  /** Jobs of this process that are queued or running: their rows are renewed, and only they report progress. */
  private readonly active = new Set<string>();
  private readonly unsaved = new UnsavedWrites();
  /** Jobs whose final status write also cleared their progress: their `remove` has nothing left to do. */
  private readonly settled = new Set<string>();
  private readonly renewTimer: NodeJS.Timeout;
  private renewing = false;
  private flushFailing = false;
  private closing: Promise<void> | undefined;

  constructor(options: PostgresProgressTrackerOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError(FEATURE, options, 'an options object');
    const settings = trackerSettings(options);
    this.ttl = settings.ttl;
    this.table = new PostgresTable(settings.schema, settings.table, settings.channel);
    const pg = () => loadPg(FEATURE);
    const { pool, owned, config, timesOut } = createTrackerPool(options, settings, pg);
    this.connection = new PostgresConnection(
      pool,
      describeServer(config),
      owned,
      timesOut ? undefined : settings.commandTimeout,
      settings.connectTimeout,
      (client) => this.setUp(client, settings.createTable),
    );
    this.writes = new WriteQueue(this.connection, this.table);
    this.feed = new PostgresChangeFeed(
      () => new (pg().Client)({ ...config, application_name: `${String(config.application_name ?? 'nestjs-asyncjob')}:listener` }),
      this.table,
      () => this.commandsAnswer(),
      () => this.connection.available,
    );
    this.cleanup = new TableCleanup(this.connection, this.table, settings.cleanupInterval);
    this.coalescer = new ProgressCoalescer(
      settings.flushInterval,
      (batch) => this.writeProgress(batch),
      () => this.connection.available,
      (id) => this.active.has(id),
      (error) => this.reportFlushError(error),
    );
    this.connection.onReady(() => {
      this.replay();
      this.feed.reread();
    });
    this.renewTimer = setInterval(() => void this.renew(), Math.floor(this.ttl / 3));
    this.renewTimer.unref();
  }

  /** The table, as `"schema"."table"`. */
  get tableName(): string {
    return this.table.name;
  }

  /** The pool the tracker queries (the given one, or the one it opened), e.g. for a health check. */
  get pool(): PostgresPool {
    return this.connection.pool;
  }

  /** Writes the job's row with `[-1, null]`: from now on every process reads it as tracked. */
  track(id: string): Promise<void> {
    this.active.add(id);
    this.coalescer.take(id);
    this.unsaved.forget(id);
    this.settled.delete(id);
    return this.writes
      .write('track', (batch) => batch.progress(id, NOT_STARTED, this.ttl, false))
      .catch((error: unknown) => {
        this.active.delete(id);
        throw error;
      });
  }

  /** Clears the job's progress (and deletes its row unless a status remains): `getProgress` answers `null` from now on. */
  remove(id: string): Promise<void> {
    this.active.delete(id);
    this.coalescer.take(id);
    // Cleared with the final status (or remembered for replay with it).
    if (this.settled.delete(id)) return RESOLVED;
    return this.writes
      .write('remove', (batch) => batch.removeProgress(id))
      .catch((error: unknown) => {
        if (error instanceof TrackerUnavailableError) this.unsaved.remember(id, { removeProgress: true });
        throw error;
      });
  }

  /**
   * Accepts the update at once and writes it within `flushInterval` ms
   * (coalesced with later ones). Throws a `TrackerUnavailableError` while
   * PostgreSQL is away, but keeps the update and writes it when it returns.
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
    const json = pending ?? (await this.readColumn('getProgress', this.table.readProgress, id, 'progress'));
    return json === null ? null : decodeProgress(json, id, this.connection.description);
  }

  /**
   * Writes the status (with the latest progress, so no reader sees a status
   * older than the progress). A final status (with a `retention`) also
   * clears the job's progress in the same statement: its final progress is in
   * the status, and `remove` then has nothing left to send.
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
    let progress: string | undefined;
    return this.writes
      .write('saveStatus', (batch) => {
        if (expiresAt === undefined) {
          progress = this.coalescer.take(id);
          if (progress !== undefined) batch.progress(id, progress, this.ttl);
        }
        UnsavedWrites.replay(batch, id, { status: json, expiresAt, removeProgress: expiresAt !== undefined }, this.ttl);
      })
      .catch((error: unknown) => {
        if (progress !== undefined) this.coalescer.restore(id, progress);
        if (error instanceof TrackerUnavailableError) {
          this.unsaved.remember(id, expiresAt === undefined ? { status: json } : { status: json, expiresAt, removeProgress: true });
        }
        throw error;
      });
  }

  /** The job's latest status, `null` when unknown or expired. */
  async getStatus(id: string): Promise<JobStatus | null> {
    const json = await this.readColumn('getStatus', this.table.readStatus, id, 'status');
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

  /** Deletes expired rows now, as the periodic cleanup does; resolves with how many. */
  deleteExpired(): Promise<number> {
    return this.cleanup.runOnce();
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
      await this.replayNow().catch(() => undefined);
    }
    this.coalescer.stop();
    await Promise.all([this.feed.close(), this.cleanup.stop()]);
    await this.connection.close();
  }

  /** Checks the table is there (creating it if asked): before the first call, and after every outage. */
  private async setUp(pool: PostgresPool, createTable: boolean): Promise<void> {
    const { rows } = await pool.query(this.table.exists, [this.table.name]);
    if (rows[0]?.found !== null && rows[0]?.found !== undefined) return;
    if (!createTable) {
      throw new TableMissingError(this.table.name);
    }
    await pool.query(this.table.setup);
  }

  private async readColumn(operation: string, sql: string, id: string, column: string): Promise<string | null> {
    const { rows } = await this.connection.run(operation, (pool) => pool.query(sql, [id]));
    const value = rows[0]?.[column];
    return typeof value === 'string' ? value : null;
  }

  private writeProgress(batch: ReadonlyMap<string, string>): Promise<void> {
    return this.writes
      .write('setProgress', (rows) => {
        for (const [id, json] of batch) {
          // Finished while the batch waited: its progress must stay cleared.
          if (this.active.has(id)) rows.progress(id, json, this.ttl);
        }
      })
      .then(() => {
        this.flushFailing = false;
      });
  }

  /** PostgreSQL is (back) up: write what could not be written while it was away. */
  /** Whether the command connection answers a probe now; a failed one starts (or continues) an outage, whose end re-reads. */
  private async commandsAnswer(): Promise<boolean> {
    await this.connection.whenChecked();
    try {
      await this.connection.run('probe', (pool) => pool.query('SELECT 1'));
      return true;
    } catch {
      return false;
    }
  }

  private replay(): void {
    this.coalescer.schedule();
    void this.replayNow().catch(() => undefined);
  }

  private async replayNow(): Promise<void> {
    if (this.unsaved.size === 0) return;
    const entries = this.unsaved.takeAll();
    try {
      await this.writes.write('replay', (batch) => {
        for (const [id, write] of entries) UnsavedWrites.replay(batch, id, write, this.ttl);
      });
    } catch (error) {
      this.unsaved.restore(entries);
      throw error;
    }
  }

  /** Renews the rows of this process's active jobs, so none expires while it waits or runs. */
  private async renew(): Promise<void> {
    if (this.renewing || this.active.size === 0 || !this.connection.available) return;
    this.renewing = true;
    try {
      await this.writes.write('renew', (batch) => {
        // A status made final since the timer fired keeps its retention.
        for (const id of this.active) batch.renew(id, this.ttl);
      });
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
