import type { JobStatus } from '../interfaces/job-status.interface.js';

/** Whether the job has ended: completed, failed, cancelled or interrupted. */
export function isFinal(status: JobStatus): boolean {
  return status.state !== 'queued' && status.state !== 'running';
}
