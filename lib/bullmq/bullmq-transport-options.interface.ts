import type { Redis, RedisOptions } from 'ioredis';
import type { PostgresPool, PostgresPoolConfig } from '../progress/postgres/postgres-pool.interface.js';

/**
 * BullMQ's PostgreSQL backend as the transport's `connection`, instead of
 * Redis: queues, jobs and events in tables of `schema`, and no Redis at all
 * (the module's default tracker is then a `PostgresProgressTracker` on the
 * same database).
 *
 * BullMQ pins each connection it opens to `schema`, which it cannot do on a
 * pool it did not open: given a `pg.Pool`, BullMQ's queues and workers, and
 * the transport's own LISTEN connection, open connections of their own with
 * that pool's settings, and only the default tracker runs on the pool itself.
 *
 * @publicApi
 */
export interface BullMqPostgresConnection {
  /**
   * The database: a `postgres://` / `postgresql://` URL, node-postgres pool
   * options, or an existing `pg.Pool` (never ended by the module).
   */
  readonly postgres: string | PostgresPoolConfig | PostgresPool;
  /**
   * The schema of BullMQ's tables; the default tracker's table goes in
   * `<schema>_progress`. Lower-case letters, digits and `_`, at most 39.
   * @default 'bullmq'
   */
  readonly schema?: string;
  /**
   * Create or upgrade BullMQ's tables at start-up (BullMQ's migrations, run
   * once under a lock however many processes start together). Set `false`
   * when a deployment step runs them (`runMigrations` from `bullmq`): the
   * module then only checks, at start-up, that the schema is up to date.
   * @default true
   */
  readonly migrate?: boolean;
}

/**
 * How many finished jobs BullMQ keeps (in Redis, or in its PostgreSQL tables): those younger than `age`
 * seconds, at most `count` of them. The job's own status, kept by the
 * tracker for the module's `retention`, does not depend on it.
 *
 * @publicApi
 */
export interface BullMqRetention {
  /** Seconds a finished job is kept. */
  readonly age?: number;
  /** Most finished jobs kept. */
  readonly count?: number;
}

/**
 * Settings of one job name that gets a BullMQ queue of its own (see
 * {@link BullMqTransportOptions.jobs}).
 *
 * @publicApi
 */
export interface BullMqJobSettings {
  /** How many jobs of this name one worker process runs at once. */
  readonly concurrency: number;
}

/**
 * Options of `new BullMqTransport(...)`.
 *
 * Every process of the app must use the same `connection` (and its
 * `schema`), `prefix`, `queueName` and `jobs`: they decide where jobs are queued. The rest may
 * differ per process (a web process has `worker: false`).
 *
 * @publicApi
 */
export interface BullMqTransportOptions {
  /**
   * Where BullMQ keeps the queues, chosen once for the transport's life.
   *
   * Redis: ioredis options (`host`, `port`, `db`, `password`, `tls`, …), a
   * `redis://` / `rediss://` URL, or an ioredis client. A client given here is
   * shared, never closed by the module; connections the module opens from
   * options are closed at shutdown. Redis Cluster is not supported.
   *
   * PostgreSQL: `{ postgres: url | pool options | pg.Pool, schema?, migrate? }`
   * (see {@link BullMqPostgresConnection}), BullMQ's PostgreSQL backend.
   */
  readonly connection: RedisOptions | Redis | string | BullMqPostgresConnection;
  /** The BullMQ queue's name. @default 'asyncjob' */
  readonly queueName?: string;
  /**
   * BullMQ's key prefix in Redis. Not taken with a PostgreSQL connection,
   * where the queues live in its `schema`. @default 'bull' (Redis)
   */
  readonly prefix?: string;
  /**
   * Whether this process runs jobs. `false` makes it enqueue-only (a web
   * process): `start()` adds jobs, other processes run them. @default true
   */
  readonly worker?: boolean;
  /** How many jobs this process runs at once. @default the module's `concurrency` */
  readonly concurrency?: number;
  /**
   * Job names that get a queue (and a BullMQ worker) of their own, with their
   * own concurrency per process, e.g. `{ 'video.encode': { concurrency: 1 } }`.
   * Other names share the main queue and `concurrency`.
   */
  readonly jobs?: Readonly<Record<string, BullMqJobSettings>>;
  /**
   * BullMQ's lock on a running job, in ms, renewed every half of it by the
   * process running it. A process that dies (SIGKILL, crash, lost network)
   * stops renewing: once the lock has expired the job counts as stalled and
   * is run again by another worker. @default 30_000
   */
  readonly lockDuration?: number;
  /** How often, in ms, each worker looks for stalled jobs. @default 30_000 */
  readonly stalledInterval?: number;
  /**
   * How many times a job may stall (its worker died) and be run again before
   * it fails for good. @default 1
   */
  readonly maxStalledCount?: number;
  /**
   * Completed jobs BullMQ keeps: `true` removes them at once, `false` keeps
   * them all (Redis, or BullMQ's job table, then grows without bound), a number keeps
   * that many. This is also how long a completed named job's status can be
   * read. Applied by the worker processes as jobs finish (jobs do not carry
   * it), so give every worker the same setting.
   * @default `{ age: 3600, count: 1000 }`
   */
  readonly removeOnComplete?: boolean | number | BullMqRetention;
  /** Failed (and cancelled) jobs BullMQ keeps, as `removeOnComplete`. @default `{ age: 86_400, count: 10_000 }` */
  readonly removeOnFail?: boolean | number | BullMqRetention;
  /**
   * How long, in ms, `cancel()` of a job running in another process waits for
   * that process to record it cancelled. @default 5000
   */
  readonly cancelTimeout?: number;
}
