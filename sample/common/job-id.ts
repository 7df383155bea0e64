/** The shape of the library's job ids: `asyncjob_` and a random UUID. */
export const JOB_ID_PATTERN = /^asyncjob_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID_PATTERN.test(value);
}
