import type { PostgresPool, PostgresPoolConfig } from './postgres-pool.interface.js';

/**
 * Options of `PostgresProgressTracker`. Give either connection settings
 * (`connectionString` and/or `poolConfig`) or an existing node-postgres
 * `pool`; with none, node-postgres's defaults apply (the `PG*` environment
 * variables, then localhost:5432).
 *
 * @publicApi
 */
export interface PostgresProgressTrackerOptions {
  /** `postgresql://user:password@host:port/database?…`. */
  readonly connectionString?: string;
  /**
   * node-postgres `PoolConfig` for the pool the tracker opens (host, port,
   * user, ssl, max…). With `connectionString`, its fields win over the URL's.
   */
  readonly poolConfig?: PostgresPoolConfig;
  /**
   * A `pg.Pool` to use instead of opening one. The tracker does not close it
   * unless `closePool` is `true`; it opens one connection of its own with the
   * pool's settings for LISTEN, and closes that one. Cannot be combined with
   * connection settings.
   */
  readonly pool?: PostgresPool;
  /** Close the given `pool` when the tracker closes. @default false */
  readonly closePool?: boolean;
  /** Schema of the tracker's table. @default 'asyncjob' */
  readonly schema?: string;
  /** The tracker's table. Apps sharing a database see each other's jobs only when they share the table. @default 'job_progress' */
  readonly table?: string;
  /**
   * The LISTEN/NOTIFY channel announcing changes (the payload is the job id).
   * Channels are per database, not per schema: the default is the table's
   * qualified name, so two tables never share one. At most 63 bytes.
   * @default '<schema>.<table>'
   */
  readonly channel?: string;
  /**
   * Create the schema, the table and its index at start when they are
   * missing. Set `false` when a migration creates them (docs/postgres.md
   * gives the SQL); the tracker then needs only SELECT, INSERT, UPDATE and
   * DELETE on the table. @default true
   */
  readonly createTable?: boolean;
  /**
   * Lifetime of an active job's row, in seconds, counted from the last write
   * or keep-alive by the process that runs the job. That process renews the
   * rows of its queued and running jobs every `timeout / 3`, so a job that
   * waits longer never looks finished, while the rows of a process that died
   * expire at most `timeout` later. Finished statuses live for the module's
   * `retention` instead. At least 1. @default 3600
   */
  readonly timeout?: number;
  /**
   * Longest delay, in ms, before a `setProgress` reaches the table. Updates
   * arriving faster are coalesced (the latest wins), so a job reporting in a
   * tight loop costs a few UPDATEs a second, not one per call. A job's final
   * progress is always written before it is reported finished. @default 100
   */
  readonly flushInterval?: number;
  /**
   * How often, in seconds, the tracker deletes expired rows (in bounded
   * batches; several processes share the work without blocking each other).
   * Expired rows are never returned, deleted or not. @default 60
   */
  readonly cleanupInterval?: number;
  /**
   * How long, in ms, a statement may take before it fails with a
   * `TrackerUnavailableError` (for a server that hangs rather than drops).
   * @default 2000
   */
  readonly commandTimeout?: number;
  /**
   * How long, in ms, connecting may take; the first calls wait that long for
   * the initial connection. After it, calls made while PostgreSQL is away
   * fail at once. @default 5000
   */
  readonly connectTimeout?: number;
}
