import type { JobRecord } from '../worker/job-record.js';

/** Most named jobs kept while their queue has yet to confirm their end. */
const MAX_UNACKNOWLEDGED = 10_000;

/**
 * Named jobs that finished in this process while their queue has not yet
 * recorded the end (its own record would still say `active`, so this
 * process answers for them), and the cancels being recorded for jobs the
 * queue delivered here (the queue must hear of the end only once the
 * cancel is written).
 */
export class Acknowledgements {
  private readonly finished = new Map<string, JobRecord>();
  private readonly cancelling = new Map<string, Promise<void>>();

  /** The finished job's record, until its queue confirms. */
  get(id: string): JobRecord | undefined {
    return this.finished.get(id);
  }

  keep(record: JobRecord): void {
    this.finished.set(record.id, record);
    // Bounded, should the queue never confirm (its store away, then the job stalled and ran elsewhere).
    if (this.finished.size > MAX_UNACKNOWLEDGED) this.finished.delete(this.finished.keys().next().value as string);
  }

  /** The queue has recorded how job `id` ended, or delivers it again: its own record answers from now on. */
  acknowledged(id: string): void {
    this.finished.delete(id);
  }

  /** A cancel of a delivered job is being recorded. */
  cancelRecorded(id: string, recording: Promise<void>): void {
    this.cancelling.set(id, recording);
    void recording.finally(() => this.cancelling.delete(id));
  }

  /** The recording of a cancel of job `id` under way, if any. */
  cancelRecording(id: string): Promise<void> | undefined {
    return this.cancelling.get(id);
  }
}
