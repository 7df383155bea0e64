import { TrackerUnavailableError } from '../../errors/tracker-unavailable.error.js';
import type { JobProgress } from '../../interfaces/job-status.interface.js';
import { describeValue } from '../../utils/describe-value.js';

/** tgext.asyncjob's "tracked, no progress yet", as the progress column holds it. */
export const NOT_STARTED = '[-1,null]';

/** `[value, data]` as JSON, the progress column's (and tgext.asyncjob's) layout. */
export function encodeProgress(value: number, data: unknown): string {
  return JSON.stringify([value, data ?? null]);
}

/** A row that holds something else (written by another program?) makes the store unable to answer, not the caller wrong. */
export function decodeProgress(json: string, id: string, store: string): JobProgress {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && typeof parsed[0] === 'number') return { value: parsed[0], data: (parsed[1] as unknown) ?? null };
  throw new TrackerUnavailableError(
    store,
    'getProgress',
    `the progress of ${id} is not a JSON [value, data] array: ${describeValue(json)}`,
  );
}
