import type { DataSource } from 'typeorm';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import type { IsolationLevel, JobTransactionOptions } from '../interfaces/job-transaction-options.interface.js';

const ISOLATION_LEVELS: ReadonlySet<string> = new Set<IsolationLevel>([
  'READ UNCOMMITTED',
  'READ COMMITTED',
  'REPEATABLE READ',
  'SERIALIZABLE',
  'SNAPSHOT',
]);

/**
 * Checks the `dataSource` module option by shape (a value import of typeorm
 * would make it a hard dependency): what the module calls on it must be
 * there.
 */
export function resolveDataSourceOption(value: unknown): DataSource | undefined {
  if (value === undefined) return undefined;
  const candidate = value as Partial<Record<'createQueryRunner' | 'driver' | 'options' | 'subscribers', unknown>> | null;
  const driver = candidate?.driver as Partial<Record<'createQueryRunner' | 'supportedIsolationLevels', unknown>> | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.createQueryRunner !== 'function' ||
    typeof candidate.options !== 'object' ||
    !Array.isArray(candidate.subscribers) ||
    typeof driver !== 'object' ||
    driver === null ||
    typeof driver.createQueryRunner !== 'function' ||
    !Array.isArray(driver.supportedIsolationLevels)
  ) {
    throw new InvalidOptionError('dataSource', value, 'a TypeORM DataSource (e.g. the one @nestjs/typeorm provides: inject: [DataSource])');
  }
  return value as DataSource;
}

/**
 * Checks a `transaction` job option and lays it over `base`: `false` turns
 * the transaction off, an object's fields override the base's.
 */
export function resolveTransactionOption(
  name: string,
  value: unknown,
  base: false | JobTransactionOptions | undefined,
): false | JobTransactionOptions | undefined {
  if (value === undefined) return base;
  if (value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionError(name, value, 'false, or an object such as { isolation: "READ COMMITTED" }');
  }
  for (const key of Object.keys(value)) {
    if (key !== 'isolation')
      throw new InvalidOptionError(`${name}.${key}`, (value as Record<string, unknown>)[key], 'one of the known options (isolation)');
  }
  const { isolation } = value as { isolation?: unknown };
  if (isolation === undefined) return base === false || base === undefined ? {} : base;
  if (typeof isolation !== 'string' || !ISOLATION_LEVELS.has(isolation)) {
    throw new InvalidOptionError(`${name}.isolation`, isolation, `one of ${[...ISOLATION_LEVELS].join(', ')}`);
  }
  return { isolation: isolation as IsolationLevel };
}
