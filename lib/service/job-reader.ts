import { INVALID_ARGUMENT } from '../async-job.messages.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import type { JobProgress, JobStatus } from '../interfaces/job-status.interface.js';
import type { JobStatusStore, ProgressTracker } from '../progress/progress-tracker.interface.js';
import type { Acknowledgements } from '../transport/acknowledgements.js';
import type { JobTransport } from '../transport/job-transport.interface.js';
import { isFinal } from '../utils/is-final.js';
import type { JobBook } from '../worker/job-book.js';

/**
 * Reads a job's progress and status, wherever it runs: this process's
 * records first, then the transport's, then the store. A job's progress is
 * the tracker's; {@link DistributedJobReader} reads it from the queue's
 * records of named jobs instead, when the module's transport is a queue.
 */
export class JobReader {
  constructor(
    protected readonly book: JobBook,
    protected readonly acks: Acknowledgements,
    protected readonly tracker: ProgressTracker,
    protected readonly statuses: JobStatusStore,
    private readonly transport: JobTransport,
  ) {}

  /** `{ -1, null }` while queued, `{ value, data }` after a report, `null` once finished or unknown. */
  async getProgress(id: string): Promise<JobProgress | null> {
    assertJobId(id, 'getProgress');
    return this.trackedProgress(id);
  }

  async getStatus(id: string): Promise<JobStatus | null> {
    assertJobId(id, 'getStatus');
    const local = this.localStatus(id);
    if (local) return local;
    const queued = await this.transport.status(id);
    const status = await this.statuses.getStatus(id);
    if (queued && !(status && isFinal(status) && !ranAgain(queued, status))) return queued;
    if (!status || isFinal(status)) return status;
    // Active in another process: its progress is fresher in the tracker.
    const progress = await this.tracker.getProgress(id);
    return progress ? { ...status, progress: copyProgress(progress) } : status;
  }

  /** The status of a job this process runs or has just finished, without I/O; `undefined` otherwise. */
  localStatus(id: string): JobStatus | undefined {
    return (this.book.get(id) ?? this.acks.get(id))?.snapshot();
  }

  protected async trackedProgress(id: string): Promise<JobProgress | null> {
    const progress = await this.tracker.getProgress(id);
    return progress ? copyProgress(progress) : null;
  }
}

/**
 * The reader of a module with a transport: a named job's queue record is its
 * status (the tracker's final word on it, written before the queue records
 * the end, wins).
 */
export class DistributedJobReader extends JobReader {
  override async getProgress(id: string): Promise<JobProgress | null> {
    assertJobId(id, 'getProgress');
    const record = this.book.get(id);
    // Any job this process does not run as a closure may be a named one, which the queue records.
    if (record && !record.external) return this.trackedProgress(id);
    if (record && !record.isFinal) return record.progress();
    const status = await this.getStatus(id);
    return status && !isFinal(status) ? copyProgress(status.progress) : null;
  }
}

/**
 * Whether the queue has run a job again since the attempt whose end the
 * tracker holds: the tracker's final word is written before the queue
 * records the end, and wins in between; but an attempt whose end the queue
 * never recorded (its worker died, or lost the queue's database) is run
 * again by the queue, whose record is then the newer one.
 */
function ranAgain(queued: JobStatus, final: JobStatus): boolean {
  return queued.state === 'queued' || queued.attempts > final.attempts;
}

function copyProgress(progress: JobProgress): JobProgress {
  const data = progress.data;
  return { value: progress.value, data: typeof data === 'object' && data !== null ? structuredClone(data) : (data ?? null) };
}

export function assertJobId(id: unknown, method: string): asserts id is string {
  if (typeof id !== 'string') {
    throw new InvalidArgumentError(
      `AsyncJobService.${method} id`,
      id,
      INVALID_ARGUMENT(`AsyncJobService.${method}`, 'a job id string', id),
    );
  }
}
