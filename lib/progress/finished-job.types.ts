import type { JobStatus } from '../interfaces/job-status.interface.js';

/** A finished job's fields, as the service's record holds them: a status with its progress data still as JSON text. */
export type FinishedJob = Omit<JobStatus, 'progress'> & {
  readonly progressValue: number;
  readonly progressJson: string | null;
};
