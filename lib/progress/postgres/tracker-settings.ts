import { InvalidOptionError } from '../../errors/invalid-option.error.js';
import type { PostgresProgressTrackerOptions } from './postgres-progress-tracker-options.interface.js';

const OWNER = 'PostgresProgressTracker';
/** Quoted as given, never case-folded; short enough that the index name derived from the table stays under PostgreSQL's 63 bytes. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;
/** PostgreSQL's identifier limit (NAMEDATALEN - 1), which a LISTEN channel is. */
const MAX_CHANNEL_BYTES = 63;

/** The tracker's options, checked, with their defaults. */
export interface TrackerSettings {
  readonly schema: string;
  readonly table: string;
  readonly channel: string;
  readonly createTable: boolean;
  /** Lifetime of an active job's row, in ms. */
  readonly ttl: number;
  readonly flushInterval: number;
  /** In ms. */
  readonly cleanupInterval: number;
  readonly commandTimeout: number;
  readonly connectTimeout: number;
}

/** Checks every option but the connection ones (see `createTrackerPool`), so a bad value fails at construction. */
export function trackerSettings(options: PostgresProgressTrackerOptions): TrackerSettings {
  const schema = name('schema', options.schema, 'asyncjob');
  const table = name('table', options.table, 'job_progress');
  const channel = options.channel ?? `${schema}.${table}`;
  if (typeof channel !== 'string' || channel === '' || Buffer.byteLength(channel) > MAX_CHANNEL_BYTES) {
    throw new InvalidOptionError(`${OWNER}.channel`, channel, `a non-empty string of at most ${MAX_CHANNEL_BYTES} bytes`);
  }
  const createTable = options.createTable ?? true;
  if (typeof createTable !== 'boolean') throw new InvalidOptionError(`${OWNER}.createTable`, createTable, 'a boolean');
  return {
    schema,
    table,
    channel,
    createTable,
    ttl: Math.ceil(number('timeout', options.timeout, 3600, 1, 'a finite number of seconds >= 1') * 1000),
    flushInterval: number('flushInterval', options.flushInterval, 100, 0, 'a finite number >= 0'),
    cleanupInterval: Math.ceil(number('cleanupInterval', options.cleanupInterval, 60, 0.01, 'a finite number of seconds > 0') * 1000),
    commandTimeout: number('commandTimeout', options.commandTimeout, 2000, Number.MIN_VALUE, 'a finite number > 0'),
    connectTimeout: number('connectTimeout', options.connectTimeout, 5000, Number.MIN_VALUE, 'a finite number > 0'),
  };
}

function name(option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new InvalidOptionError(
      `${OWNER}.${option}`,
      value,
      'a name of letters, digits and underscores (not starting with a digit), at most 48',
    );
  }
  return value;
}

function number(option: string, value: unknown, fallback: number, least: number, expected: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < least)
    throw new InvalidOptionError(`${OWNER}.${option}`, value, expected);
  return value;
}
