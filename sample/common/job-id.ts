/**
 * The shapes of the library's job ids: `asyncjob_` and a random UUID, or, for
 * a named job started through BullMQ, `asyncjob_<BullMQ's number>_<secret>`.
 */
export const JOB_ID_PATTERN = /^asyncjob_(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+_[A-Za-z0-9_-]{22})$/;

export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID_PATTERN.test(value);
}
