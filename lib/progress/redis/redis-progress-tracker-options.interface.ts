import type { Redis, RedisOptions } from 'ioredis';

/**
 * Options of `RedisProgressTracker`. Give either connection settings
 * (`url`, or `host`/`port`/`db`/…) or an existing ioredis `client`.
 *
 * @publicApi
 */
export interface RedisProgressTrackerOptions {
  /** Redis host. @default 'localhost' */
  readonly host?: string;
  /** Redis port. @default 6379 */
  readonly port?: number;
  /** Database number; as in tgext.asyncjob. Overrides a database given in `url`. @default 15 */
  readonly db?: number;
  /**
   * A connection URL, `redis://[[user]:password@]host[:port][/db]`, or
   * `rediss://…` for TLS. Instead of `host` and `port`.
   */
  readonly url?: string;
  /** ACL user name (Redis 6+), passed to ioredis. */
  readonly username?: string;
  /** Password, passed to ioredis. */
  readonly password?: string;
  /** TLS options (`tls.connect` options), passed to ioredis; `{}` turns TLS on with the defaults. */
  readonly tls?: RedisOptions['tls'];
  /**
   * Any other ioredis option (sentinels, `family`, `retryStrategy`…), applied
   * under the ones above. `enableOfflineQueue` is always `false`: a call made
   * while Redis is away fails at once instead of queueing.
   */
  readonly redisOptions?: RedisOptions;
  /**
   * An ioredis client to use instead of opening one. The tracker does not
   * close it at shutdown unless `closeClient` is `true`; it opens one more
   * connection of its own (a duplicate) for pub/sub, and closes that one.
   * Cannot be combined with connection settings.
   */
  readonly client?: Redis;
  /** Close the given `client` when the tracker closes. @default false */
  readonly closeClient?: boolean;
  /**
   * Lifetime of a job's keys, in seconds, counted from the last write or
   * keep-alive by the process that runs the job. That process renews the
   * keys of its queued and running jobs every `timeout / 3`, so a job that
   * waits longer than `timeout` never looks finished; the keys of a process
   * that died vanish at most `timeout` later. Finished statuses live for the
   * module's `retention` instead. At least 1. @default 3600 (one hour, as tgext.asyncjob)
   */
  readonly timeout?: number;
  /**
   * Prepended to every key and channel, so several apps can share a Redis
   * database without seeing each other's jobs. `''` gives tgext.asyncjob's
   * layout (the job id is the progress key). @default 'asyncjob:'
   */
  readonly keyPrefix?: string;
  /**
   * Longest delay, in ms, before a `setProgress` reaches Redis. Updates
   * arriving faster are coalesced (the latest wins), so a job reporting in a
   * tight loop costs a few writes a second, not one per call. A job's final
   * progress is always written before it is reported finished. @default 100
   */
  readonly flushInterval?: number;
  /**
   * How long, in ms, a Redis command may take before it fails with a
   * `TrackerUnavailableError` (for a connection that hangs rather than
   * drops). @default 2000
   */
  readonly commandTimeout?: number;
  /**
   * How long, in ms, the first calls wait for the initial connection. After
   * the first connection, calls made while Redis is away fail at once.
   * @default 5000
   */
  readonly connectTimeout?: number;
}
