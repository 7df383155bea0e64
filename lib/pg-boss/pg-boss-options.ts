/**
 * The transport's options, checked once and frozen: a bad configuration
 * fails in `new PgBossTransport(...)`, at bootstrap, and every piece of the
 * transport reads the same settings afterwards without checking them again.
 */
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import { engineSchema, postgresSource, type PostgresSource } from '../shared/postgres/postgres-source.js';
import type {
  PgBossConnectionConfig,
  PgBossDataSource,
  PgBossPool,
  PgBossTransportOptions,
} from './pg-boss-transport-options.interface.js';

/** A pg-boss queue and how many of its jobs this process runs at once (`undefined`: the module's concurrency). */
export interface BossQueue {
  readonly queueName: string;
  readonly concurrency: number | undefined;
}

/** {@link PgBossTransportOptions} with every default applied. */
export interface PgBossSettings {
  /** The app's pool (shared, or a DataSource's), or the settings of one the transport opens (and ends). */
  readonly connection: PostgresSource<PgBossPool, PgBossConnectionConfig> | { readonly dataSource: PgBossDataSource };
  readonly schema: string;
  readonly runsJobs: boolean;
  readonly main: BossQueue;
  /** Queues of their own, by job name. */
  readonly dedicated: ReadonlyMap<string, BossQueue>;
  readonly retention: number;
  readonly pollingInterval: number;
  readonly expireInSeconds: number;
  readonly heartbeat: number;
  readonly maxStalledCount: number;
  readonly cancelTimeout: number;
}

/** pg-boss takes queue names of these characters only. */
const QUEUE_NAME = /^[\w.\-/]+$/;

/** Every option checked (an {@link InvalidOptionError} names the first bad one) and every default applied. */
export function resolvePgBossOptions(options: PgBossTransportOptions): PgBossSettings {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('PgBossTransport', options, 'an options object');
  const schema = engineSchema('PgBossTransport.schema', options.schema, 'asyncjob_boss');
  if (options.worker !== undefined && typeof options.worker !== 'boolean')
    throw new InvalidOptionError('PgBossTransport.worker', options.worker, 'a boolean');
  const queueName = queueNameOption('queueName', options.queueName ?? 'asyncjob');
  const pollingInterval = options.pollingInterval ?? 2;
  if (typeof pollingInterval !== 'number' || !Number.isFinite(pollingInterval) || pollingInterval < 0.5) {
    throw new InvalidOptionError('PgBossTransport.pollingInterval', pollingInterval, 'a number of seconds >= 0.5');
  }
  return Object.freeze({
    connection:
      options.dataSource === undefined
        ? postgresSource<PgBossPool, PgBossConnectionConfig>('PgBossTransport.connection', options.connection)
        : dataSourceOption(options),
    schema,
    runsJobs: options.worker ?? true,
    main: Object.freeze({
      queueName,
      concurrency: options.concurrency === undefined ? undefined : integer('concurrency', options.concurrency, 1),
    }),
    dedicated: dedicatedQueues(queueName, options.jobs),
    retention: integer('retention', options.retention ?? 604_800, 0),
    pollingInterval,
    expireInSeconds: integer('expireInSeconds', options.expireInSeconds ?? 900, 1),
    heartbeat: integer('heartbeat', options.heartbeat ?? 30, 10),
    maxStalledCount: integer('maxStalledCount', options.maxStalledCount ?? 1, 0),
    cancelTimeout: integer('cancelTimeout', options.cancelTimeout ?? 5000, 0),
  });
}

function dataSourceOption(options: PgBossTransportOptions): PgBossSettings['connection'] {
  if (options.connection !== undefined) {
    throw new InvalidOptionError(
      'PgBossTransport.connection',
      options.connection,
      'left out when a dataSource is given (one or the other)',
    );
  }
  const dataSource = options.dataSource as Partial<PgBossDataSource> | null;
  if (typeof dataSource !== 'object' || dataSource === null || typeof dataSource.options !== 'object' || !dataSource.driver) {
    throw new InvalidOptionError('PgBossTransport.dataSource', dataSource, 'a TypeORM DataSource');
  }
  if (dataSource.options.type !== 'postgres') {
    throw new InvalidOptionError('PgBossTransport.dataSource', dataSource.options.type, 'a DataSource of type "postgres"');
  }
  return { dataSource: dataSource as PgBossDataSource };
}

function dedicatedQueues(queueName: string, option: unknown): ReadonlyMap<string, BossQueue> {
  const jobs = option ?? {};
  if (typeof jobs !== 'object' || jobs === null)
    throw new InvalidOptionError('PgBossTransport.jobs', jobs, 'an object of job name to { concurrency }');
  return new Map(
    Object.entries(jobs as Record<string, unknown>).map(([jobName, settings]) => [
      jobName,
      Object.freeze({
        queueName: queueNameOption(`jobs.${jobName}`, `${queueName}.${jobName}`),
        concurrency: integer(`jobs.${jobName}.concurrency`, (settings as { concurrency?: unknown } | null)?.concurrency, 1),
      }),
    ]),
  );
}

function integer(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(`PgBossTransport.${name}`, value, `an integer >= ${min}`);
  }
  return value;
}

function queueNameOption(name: string, value: unknown): string {
  if (typeof value !== 'string' || !QUEUE_NAME.test(value)) {
    throw new InvalidOptionError(`PgBossTransport.${name}`, value, 'a queue name of letters, digits, "_", ".", "-" or "/"');
  }
  return value;
}
