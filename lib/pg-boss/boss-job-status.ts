/**
 * A named job's status read from pg-boss itself: its row in pg-boss's job
 * table is the record, so running a job costs no status write of ours.
 */
import type { JobWithMetadata } from 'pg-boss';
import type { JobError, JobProgress, JobState, JobStatus } from '../interfaces/job-status.interface.js';
import type { BossJobData, CompletedOutput, RunningOutput } from './boss-job-data.js';

const NOT_STARTED: JobProgress = { value: -1, data: null };

/** pg-boss's states of a job no worker holds: where `cancel` can still remove it. */
export const WAITING_STATES: ReadonlySet<string> = new Set(['created', 'retry']);

/**
 * The status of pg-boss's `job`; `id` is ours for it. A failed job's `error`
 * has what pg-boss kept of the thrown error; the process that ran it also
 * records the full error (and `cancelled`) in the tracker, which the
 * service prefers.
 */
export function statusOfBossJob(job: JobWithMetadata<BossJobData>, id: string): JobStatus {
  const state = stateOf(job.state);
  // pg-boss counts a retry when it is claimed: a job waiting in `retry` has run once more than it says.
  const ran = job.startedOn ? job.retryCount + 1 : 0;
  const status: { -readonly [K in keyof JobStatus]: JobStatus[K] } = {
    id,
    name: job.data?.job ?? job.name,
    state,
    progress: progressOf(job, state),
    attempts: job.state === 'created' ? job.retryCount : ran,
    enqueuedAt: job.createdOn.getTime(),
  };
  if (state !== 'queued' && job.startedOn) status.startedAt = job.startedOn.getTime();
  if (state !== 'queued' && state !== 'running' && job.completedOn) status.finishedAt = job.completedOn.getTime();
  const output = job.output as Partial<CompletedOutput> & { message?: unknown; name?: unknown; value?: { message?: unknown } };
  if (state === 'completed' && output?.result !== null && output?.result !== undefined) status.result = output.result;
  if (state === 'failed') status.error = errorOf(output);
  return status;
}

function stateOf(state: JobWithMetadata['state']): JobState {
  switch (state) {
    case 'active':
      return 'running';
    case 'completed':
    case 'failed':
    case 'cancelled':
      return state;
    default:
      return 'queued';
  }
}

/** Progress of the current attempt only: a new attempt starts again from -1. */
function progressOf(job: JobWithMetadata, state: JobState): JobProgress {
  if (state === 'queued') return NOT_STARTED;
  const output = job.output as Partial<RunningOutput> | null;
  const progress = output?.progress;
  if (typeof progress !== 'object' || progress === null || typeof progress.value !== 'number') return NOT_STARTED;
  if (state === 'running' && output?.attempt !== job.retryCount + 1) return NOT_STARTED;
  return { value: progress.value, data: progress.data ?? null };
}

/** What pg-boss kept of the error: the serialised `Error`, or its own `{ value: { message } }` for an expired job. */
function errorOf(output: { message?: unknown; name?: unknown; value?: { message?: unknown } } | null | undefined): JobError {
  const message = output?.message ?? output?.value?.message;
  return {
    name: typeof output?.name === 'string' ? output.name : 'Error',
    message: typeof message === 'string' ? message : 'failed',
  };
}
