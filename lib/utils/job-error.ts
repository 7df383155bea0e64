import type { JobError } from '../interfaces/job-status.interface.js';
import { describeValue } from './describe-value.js';

/** Plain-data form of anything a job threw, for its status. */
export function toJobError(error: unknown): JobError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'NonError', message: typeof error === 'string' ? error : `a non-Error was thrown: ${describeValue(error)}` };
}

/** The stack to log with a failure, when there is one. */
export function stackOf(error: unknown): string | undefined {
  return error instanceof Error ? error.stack : undefined;
}
