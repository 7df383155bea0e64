/**
 * A named job's status read from BullMQ itself: its job hash and state are
 * the record, so running a job costs no status write of ours.
 */
import type { Job, Queue } from 'bullmq';
import type { JobProgress, JobState, JobStatus } from '../interfaces/job-status.interface.js';
import { holdsSecret, parseNumberedId } from './queue-job-id.js';

/**
 * A named job's progress as kept in BullMQ's own `progress` field. The
 * attempt tells a retry's fresh start (progress back to -1) from the
 * progress the previous attempt left there.
 */
export interface QueueProgress {
  readonly value: number;
  readonly data: unknown;
  readonly attempt: number;
}

const NOT_STARTED: JobProgress = { value: -1, data: null };

/** BullMQ's states of a job no worker holds (ours for all of them is `queued`): where `cancel` can still remove it. */
export const WAITING_STATES: ReadonlySet<string> = new Set(['waiting', 'wait', 'delayed', 'prioritized', 'paused', 'waiting-children']);

/**
 * The status of job `id` (our id) from whichever of `queues` holds it;
 * `null` when none does.
 */
export async function readStatus(queues: readonly Queue[], id: string): Promise<JobStatus | null> {
  const numbered = parseNumberedId(id);
  const queueJobId = numbered?.queueJobId ?? id;
  for (const queue of queues) {
    // The state first: the job hash read after it is at least as recent (a failure's reason, a result).
    const state = await queue.getJobState(queueJobId);
    if (state === 'unknown') continue;
    const job = await queue.getJob(queueJobId);
    if (!job) return null;
    // Each queue numbers its own jobs: the same number in another queue is another job.
    if (!holdsSecret(job.data, numbered)) continue;
    return statusOfQueueJob(job, state, id);
  }
  return null;
}

/**
 * The status of BullMQ's `job`, in BullMQ's state `bullState`; `id` is ours
 * for it. `null` for a state we cannot map (`unknown`: removed meanwhile).
 *
 * A failed job's `error` has only the message BullMQ keeps; the process that
 * ran it also records the full error (and `cancelled`) in the tracker, which
 * the service prefers.
 */
function statusOfQueueJob(job: Job, bullState: string, id: string): JobStatus | null {
  const state = stateOf(bullState);
  if (!state) return null;
  const attempts = Math.max(job.attemptsStarted ?? 0, job.attemptsMade ?? 0);
  const status: { -readonly [K in keyof JobStatus]: JobStatus[K] } = {
    id,
    name: job.name,
    state,
    progress: progressOf(job, state),
    attempts,
    enqueuedAt: job.timestamp,
  };
  if (state !== 'queued' && job.processedOn) status.startedAt = job.processedOn;
  if (state === 'completed' || state === 'failed') {
    if (job.finishedOn) status.finishedAt = job.finishedOn;
  }
  if (state === 'completed' && job.returnvalue !== null && job.returnvalue !== undefined) status.result = job.returnvalue;
  if (state === 'failed') status.error = { name: 'Error', message: job.failedReason ?? 'failed' };
  return status;
}

function stateOf(bullState: string): JobState | undefined {
  if (bullState === 'active') return 'running';
  if (bullState === 'completed' || bullState === 'failed') return bullState;
  return WAITING_STATES.has(bullState) ? 'queued' : undefined;
}

/** Progress of the current attempt only: a new attempt starts again from -1. */
function progressOf(job: Job, state: JobState): JobProgress {
  if (state === 'queued') return NOT_STARTED;
  const progress = job.progress as Partial<QueueProgress> | number | string | boolean;
  if (typeof progress !== 'object' || progress === null || typeof progress.value !== 'number') return NOT_STARTED;
  if (state === 'running' && progress.attempt !== job.attemptsStarted) return NOT_STARTED;
  return { value: progress.value, data: progress.data ?? null };
}
