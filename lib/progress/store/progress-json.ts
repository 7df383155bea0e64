import { TrackerUnavailableError } from '../../errors/tracker-unavailable.error.js';
import type { JobProgress } from '../../interfaces/job-status.interface.js';
import { describeValue } from '../../utils/describe-value.js';

/** tgext.asyncjob's "tracked, no progress yet", as a store holds it. */
export const NOT_STARTED = '[-1,null]';

/** `[value, data]` as JSON, the layout of tgext.asyncjob (and of every store-backed tracker). */
export function encodeProgress(value: number, data: unknown): string {
  return JSON.stringify([value, data ?? null]);
}

/**
 * Progress read back from a store. Something else there (written by another
 * program?) makes the store unable to answer, not the caller wrong: a
 * `TrackerUnavailableError` that says `where` it was found.
 */
export function decodeProgress(json: string, where: string, store: string): JobProgress {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && typeof parsed[0] === 'number') return { value: parsed[0], data: (parsed[1] as unknown) ?? null };
  // tgext.asyncjob's own trackers may have left a bare number.
  if (typeof parsed === 'number') return { value: parsed, data: null };
  throw new TrackerUnavailableError(
    store,
    'getProgress',
    `${where} does not hold progress as a JSON [value, data] array: ${describeValue(json)}`,
  );
}
