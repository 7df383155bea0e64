import { InvalidOptionError } from './errors/invalid-option.error.js';
import type { AsyncJobModuleOptions } from './interfaces/async-job-module-options.interface.js';
import type { BackoffOptions, JobOptions } from './interfaces/job-options.interface.js';
import { isJobTransport } from './transport/job-transport.interface.js';
import type { ResolvedModuleOptions } from './async-job-options.types.js';
import type { ResolvedJobOptions } from './resolved-job-options.types.js';
import { resolveDataSourceOption, resolveTransactionOption } from './typeorm/typeorm-options.js';

const MODULE_OPTION_NAMES: ReadonlySet<string> = new Set<keyof AsyncJobModuleOptions>([
  'concurrency',
  'tracker',
  'retention',
  'maxRetained',
  'maxQueued',
  'shutdownTimeout',
  'paused',
  'defaultJobOptions',
  'dataSource',
  'transport',
]);
const JOB_OPTION_NAMES: ReadonlySet<string> = new Set(['timeout', 'attempts', 'backoff', 'transaction', 'name']);
const BACKOFF_OPTION_NAMES: ReadonlySet<string> = new Set(['delay', 'factor', 'maxDelay']);

const DEFAULT_BACKOFF: Required<BackoffOptions> = { delay: 1000, factor: 2, maxDelay: 3_600_000 };
const NO_JOB_OPTIONS: ResolvedJobOptions = { attempts: 1, backoff: DEFAULT_BACKOFF };

/** Validates the module's options; throws {@link InvalidOptionError} naming the first bad one. */
export function resolveModuleOptions(options: AsyncJobModuleOptions | undefined): ResolvedModuleOptions {
  const raw = options ?? {};
  if (typeof raw !== 'object' || raw === null) throw new InvalidOptionError('options', raw, 'an object');
  rejectUnknown(raw, MODULE_OPTION_NAMES, '');
  const tracker = raw.tracker;
  if (tracker !== undefined && !isTrackerLike(tracker)) {
    throw new InvalidOptionError(
      'tracker',
      tracker,
      'a ProgressTracker (an object with track, remove, setProgress and getProgress methods) or a class of one',
    );
  }
  if (raw.paused !== undefined && typeof raw.paused !== 'boolean') throw new InvalidOptionError('paused', raw.paused, 'a boolean');
  if (raw.transport !== undefined && !isJobTransport(raw.transport)) {
    throw new InvalidOptionError(
      'transport',
      raw.transport,
      'a BullMqTransport (new BullMqTransport({ connection })) or a PgBossTransport (new PgBossTransport({ connection }))',
    );
  }
  return {
    concurrency: integer('concurrency', raw.concurrency, 1, 1),
    tracker,
    retention: duration('retention', raw.retention, 3_600_000),
    maxRetained: integer('maxRetained', raw.maxRetained, 10_000, 0),
    maxQueued: raw.maxQueued === undefined ? Infinity : integer('maxQueued', raw.maxQueued, 0, 1),
    shutdownTimeout: duration('shutdownTimeout', raw.shutdownTimeout, 10_000),
    paused: raw.paused ?? false,
    defaultJobOptions: resolveJobOptions(raw.defaultJobOptions, NO_JOB_OPTIONS, 'defaultJobOptions.'),
    dataSource: resolveDataSourceOption(raw.dataSource),
    ...(raw.transport ? { transport: raw.transport } : {}),
  };
}

/**
 * Validates per-job options and lays them over `base`; `prefix` names where
 * they came from in error messages.
 */
export function resolveJobOptions(options: JobOptions | undefined, base: ResolvedJobOptions, prefix = ''): ResolvedJobOptions {
  if (options === undefined) return base;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(prefix.replace(/\.$/, '') || 'options', options, 'an object');
  }
  rejectUnknown(options, JOB_OPTION_NAMES, prefix);
  const timeout = options.timeout === undefined ? base.timeout : positive(`${prefix}timeout`, options.timeout);
  const attempts = options.attempts === undefined ? base.attempts : integer(`${prefix}attempts`, options.attempts, 1, 1);
  let backoff = base.backoff;
  if (options.backoff !== undefined) {
    const given: BackoffOptions = options.backoff;
    if (typeof given !== 'object' || given === null) throw new InvalidOptionError(`${prefix}backoff`, given, 'an object');
    rejectUnknown(given, BACKOFF_OPTION_NAMES, `${prefix}backoff.`);
    backoff = {
      delay: given.delay === undefined ? base.backoff.delay : duration(`${prefix}backoff.delay`, given.delay, 0),
      factor: given.factor === undefined ? base.backoff.factor : atLeastOne(`${prefix}backoff.factor`, given.factor),
      maxDelay: given.maxDelay === undefined ? base.backoff.maxDelay : duration(`${prefix}backoff.maxDelay`, given.maxDelay, 0),
    };
  }
  const resolved: ResolvedJobOptions = timeout === undefined ? { attempts, backoff } : { timeout, attempts, backoff };
  const transaction = resolveTransactionOption(`${prefix}transaction`, options.transaction, base.transaction);
  return transaction === undefined ? resolved : { ...resolved, transaction };
}

function rejectUnknown(options: object, known: ReadonlySet<string>, prefix: string): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new InvalidOptionError(
        `${prefix}${key}`,
        (options as Record<string, unknown>)[key],
        `one of the known options (${[...known].join(', ')})`,
      );
    }
  }
}

function integer(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidOptionError(name, value, `an integer >= ${min}`);
  }
  return value;
}

function duration(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidOptionError(name, value, 'a finite number of milliseconds >= 0');
  }
  return value;
}

function positive(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidOptionError(name, value, 'a finite number of milliseconds > 0');
  }
  return value;
}

function atLeastOne(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
    throw new InvalidOptionError(name, value, 'a finite number >= 1');
  }
  return value;
}

function isTrackerLike(value: unknown): boolean {
  const tracker: unknown = typeof value === 'function' ? (value as { prototype?: unknown }).prototype : value;
  if (typeof tracker !== 'object' || tracker === null) return false;
  return ['track', 'remove', 'setProgress', 'getProgress'].every(
    (method) => typeof (tracker as Record<string, unknown>)[method] === 'function',
  );
}
