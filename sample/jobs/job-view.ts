import type { JobError, JobState, JobStatus } from 'nestjs-asyncjob';
import type { MediaJob } from '../media/entities/media-job.entity.js';
import { PROCESS_MEDIA_JOB } from '../media/media-processor.service.js';
import type { ProcessingResult, ProcessingStep } from '../media/processing-result.js';

/**
 * A job as the page shows it. `unknown` is a job the tracker no longer knows:
 * its status outlived the retention period, or it ran in a process that has
 * restarted since (with the in-memory tracker).
 */
export interface JobStateView {
  readonly id: string;
  readonly state: JobState | 'unknown';
  /** -1 until the job reports, then 0..100. */
  readonly progress: number;
  readonly message: string | null;
  readonly step: ProcessingStep['step'] | null;
  readonly result?: ProcessingResult;
  readonly error?: JobError;
  readonly startedAt?: number;
  readonly finishedAt?: number;
}

export interface JobView extends JobStateView {
  /** The job's registered name, e.g. `media.process`. */
  readonly name: string;
  /** The item a media job works on; null for other jobs (the `/start` demo). */
  readonly media: { readonly id: string; readonly name: string } | null;
  readonly createdAt: number;
}

export function toJobStateView(id: string, status: JobStatus | null): JobStateView {
  if (!status) return { id, state: 'unknown', progress: -1, message: null, step: null };
  const data = status.progress.data;
  const step = isProcessingStep(data) ? data : null;
  return {
    id,
    state: status.state,
    progress: status.progress.value,
    message: step?.message ?? null,
    step: step?.step ?? null,
    ...(status.state === 'completed' && status.result !== undefined ? { result: status.result as ProcessingResult } : {}),
    ...(status.error ? { error: status.error } : {}),
    ...(status.startedAt !== undefined ? { startedAt: status.startedAt } : {}),
    ...(status.finishedAt !== undefined ? { finishedAt: status.finishedAt } : {}),
  };
}

/** A job from its row (media jobs), its status (while the tracker knows it), or both. */
export function toJobView(id: string, row: MediaJob | null, status: JobStatus | null): JobView {
  return {
    ...toJobStateView(id, status),
    name: status?.name ?? PROCESS_MEDIA_JOB,
    media: row ? { id: row.mediaId, name: row.mediaName } : null,
    createdAt: row?.createdAt.getTime() ?? status?.enqueuedAt ?? 0,
  };
}

function isProcessingStep(value: unknown): value is ProcessingStep {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { step?: unknown }).step === 'string'
  );
}
