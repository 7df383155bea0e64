/**
 * The transport's options, checked once and frozen: a bad configuration
 * fails in `new BullMqTransport(...)`, at bootstrap, and every piece of the
 * transport reads the same settings afterwards without checking them again.
 */
import type { KeepJobs } from 'bullmq';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import type { RedisSource } from '../shared/redis/open-client.js';
import type { BullMqRetention, BullMqTransportOptions } from './bullmq-transport-options.interface.js';

/** A job name with a queue (and workers) of its own. */
export interface DedicatedQueue {
  readonly jobName: string;
  readonly queueName: string;
  readonly concurrency: number;
}

/** {@link BullMqTransportOptions} with every default applied, as the transport's pieces read them. */
export interface BullMqSettings {
  readonly connection: RedisSource;
  /** The main queue's name. */
  readonly queueName: string;
  readonly prefix: string;
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
  /** Where our own keys and channels go beside BullMQ's, so that one `prefix` and `queueName` hold everything. */
  readonly ownKeyPrefix: string;
}

const DEFAULT_REMOVE_ON_COMPLETE: BullMqRetention = { age: 3600, count: 1000 };
const DEFAULT_REMOVE_ON_FAIL: BullMqRetention = { age: 86_400, count: 10_000 };

/** Every option checked (an {@link InvalidOptionError} names the first bad one) and every default applied. */
export function resolveBullMqOptions(options: BullMqTransportOptions): BullMqSettings {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('BullMqTransport', options, 'an options object');
  const connection: unknown = options.connection;
  if (typeof connection !== 'string' && (typeof connection !== 'object' || connection === null)) {
    throw new InvalidOptionError('BullMqTransport.connection', connection, 'ioredis options, a redis:// URL or an ioredis client');
  }
  if (typeof connection === 'string' && !/^rediss?:\/\//.test(connection)) {
    throw new InvalidOptionError('BullMqTransport.connection', connection, 'a redis:// or rediss:// URL');
  }
  const queueName = queueNameOption('queueName', options.queueName ?? 'asyncjob');
  const prefix = nonEmpty('prefix', options.prefix ?? 'bull');
  if (options.worker !== undefined && typeof options.worker !== 'boolean')
    throw new InvalidOptionError('BullMqTransport.worker', options.worker, 'a boolean');
  const checked = {
    connection: options.connection,
    queueName,
    prefix,
    runsJobs: options.worker ?? true,
    concurrency: options.concurrency === undefined ? undefined : integer('concurrency', options.concurrency, 1),
    lockDuration: integer('lockDuration', options.lockDuration ?? 30_000, 100),
    stalledInterval: integer('stalledInterval', options.stalledInterval ?? 30_000, 100),
    maxStalledCount: integer('maxStalledCount', options.maxStalledCount ?? 1, 0),
    cancelTimeout: integer('cancelTimeout', options.cancelTimeout ?? 5000, 0),
    removeOnComplete: removal('removeOnComplete', options.removeOnComplete, DEFAULT_REMOVE_ON_COMPLETE),
    removeOnFail: removal('removeOnFail', options.removeOnFail, DEFAULT_REMOVE_ON_FAIL),
    dedicated: dedicatedQueues(queueName, options.jobs),
    ownKeyPrefix: `${prefix}:${queueName}:asyncjob:`,
  };
  return Object.freeze({ ...checked, queueNames: Object.freeze([queueName, ...checked.dedicated.map((lane) => lane.queueName)]) });
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
