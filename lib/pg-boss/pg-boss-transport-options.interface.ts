/**
 * Connection settings for the pool the transport opens itself: the usual
 * `pg` pool options (any other `pg.PoolConfig` field is passed on as it is).
 *
 * @publicApi
 */
export interface PgBossConnectionConfig {
  readonly connectionString?: string;
  readonly host?: string;
  readonly port?: number;
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  /** Passed to `pg` as it is (`true`, or TLS options). */
  readonly ssl?: unknown;
  /** Most connections the pool opens. @default 10 */
  readonly max?: number;
  readonly [option: string]: unknown;
}

/** A connection checked out of a pool, as the transport uses it (LISTEN for cancel requests and job changes). */
export interface PgBossPoolClient {
  query(text: string, values?: unknown[]): Promise<unknown>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string | undefined }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeAllListeners(event?: string): unknown;
  release(error?: Error | boolean): void;
}

/**
 * An existing `pg.Pool` (the app's own): the transport and pg-boss run on it
 * and never end it. Only the members used are named, so any `pg` 8 pool fits.
 *
 * @publicApi
 */
export interface PgBossPool {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  connect(): Promise<PgBossPoolClient>;
}

/**
 * A TypeORM DataSource, as the transport uses it: its type, and the `pg`
 * pool of its PostgreSQL driver. Any TypeORM `DataSource` fits.
 *
 * @publicApi
 */
export interface PgBossDataSource {
  readonly options: { readonly type: string };
  readonly isInitialized: boolean;
  readonly driver: object;
}

/**
 * Settings of one job name that gets a pg-boss queue of its own (see
 * {@link PgBossTransportOptions.jobs}).
 *
 * @publicApi
 */
export interface PgBossJobSettings {
  /** How many jobs of this name one worker process runs at once. */
  readonly concurrency: number;
}

/**
 * Options of `new PgBossTransport(...)`.
 *
 * Every process of the app must use the same database, `schema`,
 * `queueName` and `jobs`: they decide where jobs are queued. The rest may
 * differ per process (a web process has `worker: false`).
 *
 * @publicApi
 */
export interface PgBossTransportOptions {
  /**
   * PostgreSQL: a `postgres://` URL, `pg` pool options, or an existing
   * `pg.Pool`. A pool given here is shared and never ended by the module;
   * one the transport opens from a URL or options is closed at shutdown.
   * Give this or `dataSource`.
   */
  readonly connection?: string | PgBossConnectionConfig | PgBossPool;
  /**
   * A TypeORM DataSource on PostgreSQL (usually the module's own
   * `dataSource`): pg-boss then runs on its connection pool, in its
   * database, and the DataSource is never closed by the transport. It must
   * be initialized by the time the module starts. Give this or `connection`.
   */
  readonly dataSource?: PgBossDataSource;
  /** The PostgreSQL schema pg-boss keeps its tables in, created at start-up when missing. @default 'asyncjob_boss' */
  readonly schema?: string;
  /** The pg-boss queue of the named jobs. @default 'asyncjob' */
  readonly queueName?: string;
  /**
   * Whether this process runs jobs. `false` makes it enqueue-only (a web
   * process): `start()` adds jobs, other processes run them. @default true
   */
  readonly worker?: boolean;
  /** How many jobs this process runs at once from the main queue. @default the module's `concurrency` */
  readonly concurrency?: number;
  /**
   * Job names that get a pg-boss queue of their own, with their own
   * concurrency per process, e.g. `{ 'video.encode': { concurrency: 1 } }`.
   * Other names share the main queue and `concurrency`.
   */
  readonly jobs?: Readonly<Record<string, PgBossJobSettings>>;
  /**
   * Seconds pg-boss keeps a finished (completed, failed or cancelled) job,
   * and so how long its status can be read from the queue; 0 keeps them
   * all. pg-boss deletes them in its maintenance pass. @default 604_800 (7 days)
   */
  readonly retention?: number;
  /**
   * How often, in seconds, a worker that no NOTIFY has woken asks pg-boss
   * for jobs (at least 0.5): how soon a retry or a delayed job that has come
   * due is taken. New jobs wake workers at once, and a worker that has just
   * run a job fetches the next at once. @default 2
   */
  readonly pollingInterval?: number;
  /**
   * Seconds a running job may go without finishing before pg-boss counts its
   * worker as dead and runs it again elsewhere (its `expireInSeconds`). Keep
   * it above the longest job's run time. @default 900
   */
  readonly expireInSeconds?: number;
  /**
   * How often, in seconds, a worker tells pg-boss that it still runs each of
   * its jobs (at least 10). A worker that dies (SIGKILL, crash, lost
   * network) stops: pg-boss then counts its jobs' runs as cut short, within
   * about twice this, and another worker runs them again. @default 30
   */
  readonly heartbeat?: number;
  /**
   * How many times a job may have its run cut short by a dead worker and be
   * run again, beyond its `attempts` (which count failures). @default 1
   */
  readonly maxStalledCount?: number;
  /**
   * How long, in ms, `cancel()` of a job running in another process waits for
   * that process to record it cancelled. @default 5000
   */
  readonly cancelTimeout?: number;
}
