import type { JobEvent } from '../interfaces/job-event.interface.js';
import type { JobError, JobStatus } from '../interfaces/job-status.interface.js';

export const UNKNOWN_ERROR: JobError = { name: 'Error', message: 'unknown error' };

/** The event that tells a job's final status. */
export function finalEvent(status: JobStatus): JobEvent {
  const base = { id: status.id, name: status.name, at: status.finishedAt ?? Date.now() };
  const error = status.error ?? UNKNOWN_ERROR;
  switch (status.state) {
    case 'completed':
      return { ...base, type: 'completed', result: status.result };
    case 'failed':
      return { ...base, type: 'failed', error };
    case 'cancelled':
      return { ...base, type: 'cancelled', error };
    default:
      return { ...base, type: 'interrupted', error };
  }
}
