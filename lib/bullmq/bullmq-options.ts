/**
 * The transport's options, checked once and frozen: a bad configuration
 * fails in `new BullMqTransport(...)`, at bootstrap, and every piece of the
 * transport reads the same settings afterwards without checking them again.
 */
import type { KeepJobs } from 'bullmq';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import type { PostgresPool, PostgresPoolConfig } from '../progress/postgres/postgres-pool.interface.js';
import { engineSchema, postgresSource, type PostgresSource } from '../shared/postgres/postgres-source.js';
import { poolSettings } from '../shared/postgres/pool-settings.js';
import type { RedisSource } from '../shared/redis/open-client.js';
import type { BullMqPostgresConnection, BullMqRetention, BullMqTransportOptions } from './bullmq-transport-options.interface.js';

/** A job name with a queue (and workers) of its own. */
export interface DedicatedQueue {
  readonly jobName: string;
  readonly queueName: string;
  readonly concurrency: number;
}

/** BullMQ on Redis. */
export interface RedisQueues {
  readonly store: 'redis';
  readonly connection: RedisSource;
  readonly prefix: string;
  /** Where our own keys and channels go beside BullMQ's, so that one `prefix` and `queueName` hold everything. */
  readonly ownKeyPrefix: string;
}

/** BullMQ's PostgreSQL backend. */
export interface PostgresQueues {
  readonly store: 'postgres';
  /** What every connection of BullMQ's and ours opens with: the given options, or a given pool's own settings. */
  readonly config: PostgresPoolConfig;
  /** As given: the default tracker runs on a given pool itself. */
  readonly source: PostgresSource<PostgresPool, PostgresPoolConfig>;
  readonly schema: string;
  readonly migrate: boolean;
}

/** {@link BullMqTransportOptions} with every default applied, as the transport's pieces read them. */
export interface BullMqSettings {
  /** Where BullMQ keeps the queues: the one choice every other piece follows. */
  readonly backend: RedisQueues | PostgresQueues;
  /** The main queue's name. */
  readonly queueName: string;
  readonly runsJobs: boolean;
  /** `undefined`: the module's `concurrency`, known only when the module attaches the transport. */
  readonly concurrency: number | undefined;
  readonly lockDuration: number;
  readonly stalledInterval: number;
  readonly maxStalledCount: number;
  readonly cancelTimeout: number;
  /** As BullMQ's workers take it; `undefined` keeps every job. */
  readonly removeOnComplete: KeepJobs | undefined;
  readonly removeOnFail: KeepJobs | undefined;
  readonly dedicated: readonly DedicatedQueue[];
  /** Every queue's name, the main queue's first. */
  readonly queueNames: readonly string[];
}

const DEFAULT_REMOVE_ON_COMPLETE: BullMqRetention = { age: 3600, count: 1000 };
const DEFAULT_REMOVE_ON_FAIL: BullMqRetention = { age: 86_400, count: 10_000 };

/** Every option checked (an {@link InvalidOptionError} names the first bad one) and every default applied. */
export function resolveBullMqOptions(options: BullMqTransportOptions): BullMqSettings {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('BullMqTransport', options, 'an options object');
  const queueName = queueNameOption('queueName', options.queueName ?? 'asyncjob');
  const backend = isPostgres(options.connection)
    ? postgresQueues(options.connection, options.prefix)
    : redisQueues(options.connection, options.prefix, queueName);
  if (options.worker !== undefined && typeof options.worker !== 'boolean')
    throw new InvalidOptionError('BullMqTransport.worker', options.worker, 'a boolean');
  const checked = {
    backend,
    queueName,
    runsJobs: options.worker ?? true,
    concurrency: options.concurrency === undefined ? undefined : integer('concurrency', options.concurrency, 1),
    lockDuration: integer('lockDuration', options.lockDuration ?? 30_000, 100),
    stalledInterval: integer('stalledInterval', options.stalledInterval ?? 30_000, 100),
    maxStalledCount: integer('maxStalledCount', options.maxStalledCount ?? 1, 0),
    cancelTimeout: integer('cancelTimeout', options.cancelTimeout ?? 5000, 0),
    removeOnComplete: removal('removeOnComplete', options.removeOnComplete, DEFAULT_REMOVE_ON_COMPLETE),
    removeOnFail: removal('removeOnFail', options.removeOnFail, DEFAULT_REMOVE_ON_FAIL),
    dedicated: dedicatedQueues(queueName, options.jobs),
  };
  return Object.freeze({ ...checked, queueNames: Object.freeze([queueName, ...checked.dedicated.map((lane) => lane.queueName)]) });
}

function isPostgres(connection: unknown): connection is BullMqPostgresConnection {
  return typeof connection === 'object' && connection !== null && 'postgres' in connection;
}

function redisQueues(connection: unknown, prefixOption: unknown, queueName: string): RedisQueues {
  if (typeof connection !== 'string' && (typeof connection !== 'object' || connection === null)) {
    throw new InvalidOptionError(
      'BullMqTransport.connection',
      connection,
      'ioredis options, a redis:// URL, an ioredis client, or { postgres } for PostgreSQL',
    );
  }
  if (typeof connection === 'string' && !/^rediss?:\/\//.test(connection)) {
    throw new InvalidOptionError(
      'BullMqTransport.connection',
      connection,
      'a redis:// or rediss:// URL (or { postgres: url } for PostgreSQL)',
    );
  }
  const prefix = nonEmpty('prefix', prefixOption ?? 'bull');
  return Object.freeze({ store: 'redis', connection: connection as RedisSource, prefix, ownKeyPrefix: `${prefix}:${queueName}:asyncjob:` });
}

function postgresQueues(connection: BullMqPostgresConnection, prefix: unknown): PostgresQueues {
  // BullMQ's PostgreSQL backend has no key prefix (it would be ignored): the schema is its namespace.
  if (prefix !== undefined) {
    throw new InvalidOptionError('BullMqTransport.prefix', prefix, 'no prefix with a PostgreSQL connection (its schema is the namespace)');
  }
  const option = 'BullMqTransport.connection.postgres';
  const source = postgresSource<PostgresPool, PostgresPoolConfig>(option, connection.postgres);
  const migrate = connection.migrate ?? true;
  if (typeof migrate !== 'boolean') throw new InvalidOptionError('BullMqTransport.connection.migrate', migrate, 'a boolean');
  const config = 'pool' in source ? poolSettings(source.pool) : source.config;
  if (!config)
    throw new InvalidOptionError(option, connection.postgres, "a pg.Pool (BullMQ's connections open with its settings, pool.options)");
  return Object.freeze({
    store: 'postgres',
    config,
    source,
    schema: engineSchema('BullMqTransport.connection.schema', connection.schema, 'bullmq'),
    migrate,
  });
}

function dedicatedQueues(queueName: string, option: unknown): readonly DedicatedQueue[] {
  const jobs = option ?? {};
  if (typeof jobs !== 'object' || jobs === null)
    throw new InvalidOptionError('BullMqTransport.jobs', jobs, 'an object of job name to { concurrency }');
  const queues = Object.entries(jobs as Record<string, unknown>).map(([jobName, settings]) =>
    Object.freeze({
      jobName,
      queueName: queueNameOption(`jobs.${jobName}`, `${queueName}.${jobName}`),
      concurrency: integer(`jobs.${jobName}.concurrency`, (settings as { concurrency?: unknown } | null)?.concurrency, 1),
    }),
  );
  return Object.freeze(queues);
}

function integer(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(`BullMqTransport.${name}`, value, `an integer >= ${min}`);
  }
  return value;
}

function nonEmpty(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new InvalidOptionError(`BullMqTransport.${name}`, value, 'a non-empty string');
  return value;
}

/** BullMQ joins prefix, queue name and key with ":": a queue name holding one would read as another queue's keys. */
function queueNameOption(name: string, value: unknown): string {
  const text = nonEmpty(name, value);
  if (text.includes(':')) throw new InvalidOptionError(`BullMqTransport.${name}`, value, 'a queue name without ":"');
  return text;
}

/** A retention option as BullMQ's workers take it: `true` keeps none, `false` keeps all (`undefined`), a number that many. */
function removal(name: string, value: unknown, fallback: BullMqRetention): KeepJobs | undefined {
  if (value === undefined) return removal(name, { ...fallback }, fallback);
  if (typeof value === 'boolean') return value ? { count: 0 } : undefined;
  if (typeof value === 'number') return { count: integer(name, value, 0) };
  if (typeof value !== 'object' || value === null)
    throw new InvalidOptionError(`BullMqTransport.${name}`, value, 'a boolean, a count, or { age, count }');
  const { age, count } = value as BullMqRetention;
  if (age !== undefined) {
    const seconds = integer(`${name}.age`, age, 0);
    return count === undefined ? { age: seconds } : { age: seconds, count: integer(`${name}.count`, count, 0) };
  }
  if (count !== undefined) return { count: integer(`${name}.count`, count, 0) };
  throw new InvalidOptionError(`BullMqTransport.${name}`, value, '{ age } and/or { count }');
}
