import type { JobState } from '../interfaces/job-status.interface.js';

/** Whether the job has ended: completed, failed, cancelled or interrupted. */
export function isFinal<T extends { readonly state: JobState }>(status: T): boolean {
  return status.state !== 'queued' && status.state !== 'running';
}
