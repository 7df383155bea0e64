import { INVALID_ARGUMENT } from '../async-job.messages.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import { TimedQueryTimeoutError } from '../errors/timed-query-timeout.error.js';
import type { TimedQueryOptions } from '../interfaces/timed-query-options.interface.js';

interface ResolvedTimedQueryOptions {
  readonly retries: number;
  readonly interval: number;
  readonly initialDelay: number;
  readonly throwOnTimeout: boolean;
  readonly signal?: AbortSignal;
}

const OPTION_NAMES: ReadonlySet<string> = new Set(['retries', 'interval', 'initialDelay', 'throwOnTimeout', 'signal']);

/**
 * tgext.asyncjob's `asyncjob_timed_query`, without its faults: waits
 * `initialDelay`, runs `query`, and while the result is `null`, `undefined`
 * or an empty array waits `interval` and runs it again, at most `retries`
 * more times. Resolves to the result itself (not a query to run again), or
 * `null` (or rejects with a {@link TimedQueryTimeoutError}) when the retries
 * run out. A query that throws ends it with that error.
 *
 * The waits are timers, so other jobs go on meanwhile; they end early,
 * rejecting with the signal's reason, when any of `signals` (the job's, the
 * caller's) is aborted.
 */
export async function timedQuery<T>(
  query: () => T | PromiseLike<T>,
  options: TimedQueryOptions | undefined,
  signals: readonly (AbortSignal | undefined)[],
): Promise<NonNullable<T> | null> {
  if (typeof query !== 'function') {
    throw new InvalidArgumentError(
      'AsyncJobService.timedQuery query',
      query,
      INVALID_ARGUMENT('AsyncJobService.timedQuery', 'a function that runs the query', query),
    );
  }
  const { retries, interval, initialDelay, throwOnTimeout, signal } = resolveTimedQueryOptions(options);
  const stops = signal ? [...signals, signal] : signals;
  await sleep(initialDelay, stops);
  let result = await query();
  for (let left = retries; isEmpty(result) && left > 0; left--) {
    await sleep(interval, stops);
    result = await query();
  }
  if (!isEmpty(result)) return result as NonNullable<T>;
  if (throwOnTimeout) throw new TimedQueryTimeoutError(retries + 1);
  return null;
}

/** What counts as "not found yet": tgext.asyncjob used truthiness, which also took 0 and '' for nothing. */
function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (Array.isArray(value) && value.length === 0);
}

function resolveTimedQueryOptions(options: TimedQueryOptions | undefined): ResolvedTimedQueryOptions {
  if (options === undefined) return { retries: 10, interval: 6000, initialDelay: 1000, throwOnTimeout: false };
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('timedQuery options', options, 'an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) {
      throw new InvalidOptionError(
        `timedQuery.${key}`,
        (options as Record<string, unknown>)[key],
        `one of ${[...OPTION_NAMES].join(', ')}`,
      );
    }
  }
  const { retries = 10, interval = 6000, initialDelay = 1000, throwOnTimeout = false, signal } = options;
  if (typeof retries !== 'number' || !Number.isSafeInteger(retries) || retries < 0) {
    throw new InvalidOptionError('timedQuery.retries', retries, 'an integer >= 0');
  }
  for (const [name, value] of [
    ['interval', interval],
    ['initialDelay', initialDelay],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMER) {
      throw new InvalidOptionError(`timedQuery.${name}`, value, `a number of milliseconds from 0 to ${MAX_TIMER}`);
    }
  }
  if (typeof throwOnTimeout !== 'boolean') throw new InvalidOptionError('timedQuery.throwOnTimeout', throwOnTimeout, 'a boolean');
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError('timedQuery.signal', signal, 'an AbortSignal');
  return signal ? { retries, interval, initialDelay, throwOnTimeout, signal } : { retries, interval, initialDelay, throwOnTimeout };
}

/** setTimeout's limit; a longer delay would fire at once. */
const MAX_TIMER = 2_147_483_647;

function sleep(ms: number, signals: readonly (AbortSignal | undefined)[]): Promise<void> {
  const aborted = signals.find((signal) => signal?.aborted);
  if (aborted) return Promise.reject(aborted.reason as Error);
  if (ms === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const stop = (): void => {
      clearTimeout(timer);
      detach();
      reject(signals.find((signal) => signal?.aborted)?.reason as Error);
    };
    const detach = (): void => {
      for (const signal of signals) signal?.removeEventListener('abort', stop);
    };
    const timer = setTimeout(() => {
      detach();
      resolve();
    }, ms);
    for (const signal of signals) signal?.addEventListener('abort', stop, { once: true });
  });
}
