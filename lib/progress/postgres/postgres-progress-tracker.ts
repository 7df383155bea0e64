import { InvalidOptionError } from '../../errors/invalid-option.error.js';
import { loadPg } from './load-pg.js';
import { PostgresChangeFeed } from './postgres-change-feed.js';
import { PostgresConnection } from './postgres-connection.js';
import { TableMissingError } from './postgres-errors.js';
import type { PostgresPool } from './postgres-pool.interface.js';
import type { PostgresProgressTrackerOptions } from './postgres-progress-tracker-options.interface.js';
import { PostgresTable } from './postgres-table.js';
import { StoreProgressTracker } from '../store/store-progress-tracker.js';
import type { TrackerBatch } from '../store/tracker-batch.interface.js';
import { TableCleanup } from './table-cleanup.js';
import { createTrackerPool, describeServer } from './tracker-pool.js';
import { trackerSettings } from './tracker-settings.js';
import { WriteQueue } from './write-queue.js';

const FEATURE = 'PostgresProgressTracker';

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
export class PostgresProgressTracker extends StoreProgressTracker {
  /** @internal */
  protected readonly connection: PostgresConnection;
  /** @internal */
  protected readonly feed: PostgresChangeFeed;
  private readonly table: PostgresTable;
  private readonly writes: WriteQueue;
  private readonly cleanup: TableCleanup;

  constructor(options: PostgresProgressTrackerOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError(FEATURE, options, 'an options object');
    const settings = trackerSettings(options);
    super(FEATURE, settings.ttl, settings.flushInterval);
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
    this.connection.onReady(() => {
      this.replay();
      this.feed.reread();
    });
  }

  /** The table, as `"schema"."table"`. */
  get tableName(): string {
    return this.table.name;
  }

  /** The pool the tracker queries (the given one, or the one it opened), e.g. for a health check. */
  get pool(): PostgresPool {
    return this.connection.pool;
  }

  /** Deletes expired rows now, as the periodic cleanup does; resolves with how many. */
  deleteExpired(): Promise<number> {
    return this.cleanup.runOnce();
  }

  /** @internal */
  protected write(operation: string, build: (batch: TrackerBatch) => void): Promise<void> {
    return this.writes.write(operation, build);
  }

  /** @internal */
  protected readProgress(id: string): Promise<string | null> {
    return this.readColumn('getProgress', this.table.readProgress, id, 'progress');
  }

  /** @internal */
  protected readStatus(id: string): Promise<string | null> {
    return this.readColumn('getStatus', this.table.readStatus, id, 'status');
  }

  /** @internal */
  protected progressLocation(id: string): string {
    return `the row of ${id} in ${this.table.name}`;
  }

  /** @internal */
  protected renewEntries(ids: ReadonlySet<string>): Promise<void> {
    return this.writes.write('renew', (batch) => {
      // A status made final since the timer fired keeps its retention.
      for (const id of ids) batch.renew(id, this.ttl);
    });
  }

  /** @internal */
  protected async closeStore(): Promise<void> {
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
}
