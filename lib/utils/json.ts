import { NOT_JSON, NOT_JSON_VALUE } from '../async-job.messages.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';

/**
 * Serialises `value` as JSON, refusing what JSON would silently corrupt
 * (functions, symbols, NaN and Infinity) and what it cannot hold (bigint,
 * cycles), with an `InvalidArgumentError` that says where the bad value sits. Trackers
 * store this form, so memory and Redis hand back the very same data.
 */
export function toJson(value: unknown, what: string): string {
  try {
    return JSON.stringify(value === undefined ? null : value, function check(this: unknown, key: string, v: unknown) {
      const type = typeof v;
      if (type === 'function' || type === 'symbol' || type === 'bigint' || (type === 'number' && !Number.isFinite(v))) {
        throw new InvalidArgumentError(what, value, NOT_JSON_VALUE(what, key, describe(v)));
      }
      return v;
    });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw new InvalidArgumentError(what, value, NOT_JSON(what, (error as Error).message));
  }
}

/** Whether `value` is a JSON scalar that survives a round trip as it is (so needs no {@link toJson} check). */
export function isJsonScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * Refuses arguments that would not survive the trip to another process as
 * JSON, at the call rather than on another machine later. Scalars, the usual
 * arguments, are let through without serialising.
 */
export function assertJsonArgs(jobName: string, args: readonly unknown[]): void {
  if (!args.every(isJsonScalar)) toJson(args, `The arguments of job "${jobName}"`);
}

/**
 * What a job's result is kept as: `undefined` for none, a scalar as it is,
 * anything else as a copy through JSON. Throws an `InvalidArgumentError`
 * when it is not JSON-serialisable.
 */
export function storableResult(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (isJsonScalar(value)) return value;
  return parseJson(toJson(value, 'the job result'));
}

/** A deep copy through JSON, for values that passed {@link toJson} or are JSON already. */
export function parseJson(json: string): unknown {
  return JSON.parse(json) as unknown;
}

function describe(v: unknown): string {
  if (typeof v === 'function') return `a function (${v.name || 'anonymous'})`;
  if (typeof v === 'bigint') return `a bigint (${v}n)`;
  return String(v);
}
