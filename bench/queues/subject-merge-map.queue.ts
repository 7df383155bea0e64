import { Subject, type Subscription, mergeMap } from 'rxjs';
import type { Job, JobQueue, QueueKind } from './job-queue.js';

/**
 * The baseline a Nest developer writes by hand: a `Subject` feeding
 * `mergeMap(fn, concurrency)`. No ids, no status, no progress; its backlog is
 * `mergeMap`'s own buffer.
 */
class SubjectMergeMapQueue implements JobQueue {
  private readonly jobs = new Subject<Job>();
  private readonly subscription: Subscription;
  private submitted = 0;
  private finished = 0;
  private waiters: Array<() => void> = [];

  constructor(concurrency: number) {
    this.subscription = this.jobs.pipe(mergeMap(async (job) => job(), concurrency)).subscribe(() => this.onFinished());
  }

  submit(job: Job): void {
    this.submitted++;
    this.jobs.next(job);
  }

  idle(): Promise<void> {
    if (this.finished === this.submitted) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.subscription.unsubscribe();
  }

  private onFinished(): void {
    if (++this.finished !== this.submitted) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export const subjectMergeMap: QueueKind = {
  name: 'rxjs Subject+mergeMap',
  role: 'baseline',
  open: async (concurrency) => new SubjectMergeMapQueue(concurrency),
};
