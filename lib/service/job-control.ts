import type { AttemptLifecycle } from '../attempt/attempt-lifecycle.js';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import type { JobStatus } from '../interfaces/job-status.interface.js';
import type { StatusSink } from '../progress/status-sink.interface.js';
import type { Acknowledgements } from '../transport/acknowledgements.js';
import type { JobTransport } from '../transport/job-transport.interface.js';
import type { LocalQueue } from '../transport/local-queue.js';
import type { RemoteJobs } from '../transport/remote-jobs.js';
import { isFinal } from '../utils/is-final.js';
import type { JobBook } from '../worker/job-book.js';
import { assertJobId, type JobReader } from './job-reader.js';
import type { JobSubmission } from './job-submission.js';
import type { JobWatcher } from './job-watcher.js';

/** What this process's jobs report for health checks and metrics. */
export interface JobStats {
  readonly queued: number;
  readonly running: number;
  readonly paused: boolean;
  readonly accepting: boolean;
}

/** Cancel, pause and resume, drain and counts. */
export class JobControl {
  constructor(
    private readonly book: JobBook,
    private readonly local: LocalQueue,
    private readonly lifecycle: AttemptLifecycle,
    private readonly acks: Acknowledgements,
    private readonly submission: JobSubmission,
    private readonly reader: JobReader,
    private readonly watcher: JobWatcher,
    private readonly sink: StatusSink,
    private readonly transport: JobTransport,
    private readonly remote: RemoteJobs,
  ) {}

  async cancel(id: string): Promise<boolean> {
    assertJobId(id, 'cancel');
    const record = this.book.get(id);
    if (!record) return this.cancelElsewhere(id);
    if (record.isFinal) return false;
    // An attempt that has its outcome is committing or rolling back: it ends as it ended.
    if (record.context && !record.context.isActive) {
      await record.context.done;
      // Recorded by now: final, or queued for a retry, which can still be cancelled.
      if (record.isFinal) return false;
    }
    const reason = new JobCancelledError(id, 'cancelled');
    this.local.halt(record, reason);
    const recording = Promise.resolve(this.lifecycle.finish(record, 'cancelled', { ok: false, error: reason }));
    if (record.external) this.acks.cancelRecorded(id, recording);
    await recording;
    return true;
  }

  /** Cancels a job of this process only (what a transport asks of the process running a job). */
  cancelLocal(id: string): Promise<boolean> {
    return this.book.has(id) ? this.cancel(id) : Promise.resolve(false);
  }

  drain(): Promise<void> {
    return this.book.whenIdle();
  }

  pause(): void {
    this.local.pause();
  }

  resume(): void {
    this.local.resume();
  }

  stats(): JobStats {
    return { queued: this.book.waiting, running: this.book.running, paused: this.local.isPaused, accepting: this.submission.accepting };
  }

  /** {@link cancel} of a job that does not run in this process, through the transport (the module's own engine finds none). */
  private async cancelElsewhere(id: string): Promise<boolean> {
    const status = await this.reader.getStatus(id);
    if (status && isFinal(status)) return false;
    const outcome = await this.transport.cancel(id, status?.name);
    if (outcome === 'absent') return false;
    if (outcome === 'removed') {
      const base: JobStatus = status ?? {
        id,
        name: 'unknown',
        state: 'queued',
        progress: { value: -1, data: null },
        attempts: 0,
        enqueuedAt: Date.now(),
      };
      await this.remote.drop(base, 'cancelled', new JobCancelledError(id, 'cancelled'));
      return true;
    }
    let final: JobStatus;
    try {
      final = await this.watcher.waitFor(id, { timeout: this.transport.cancelTimeout });
    } catch {
      return false;
    }
    // The other process removes the progress key just after the status; once final, it may go from here too.
    await this.sink.untrack(id);
    return final.state === 'cancelled';
  }
}
