import { Observable, filter, firstValueFrom, take, throwError, timeout as rxTimeout } from 'rxjs';
import { UNKNOWN_ERROR } from '../events/final-event.js';
import type { JobEventBus } from '../events/job-event-bus.js';
import { JobFollower } from '../events/job-follower.js';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import { JobFailedError } from '../errors/job-failed.error.js';
import { WaitTimeoutError } from '../errors/wait-timeout.error.js';
import type { JobProgress, JobStatus } from '../interfaces/job-status.interface.js';
import type { WaitOptions } from '../interfaces/wait-options.interface.js';
import type { JobChangeFeed } from '../progress/job-change-feed.interface.js';
import { isFinal } from '../utils/is-final.js';
import type { JobBook } from '../worker/job-book.js';
import { assertJobId, type JobReader } from './job-reader.js';

/** Follows a job until it ends: `waitFor` and `progress$`, for a job of this process or of any other. */
export class JobWatcher {
  private readonly follower: JobFollower;

  constructor(book: JobBook, reader: JobReader, feeds: readonly JobChangeFeed[], bus: JobEventBus, stopped: AbortSignal) {
    this.follower = new JobFollower(
      {
        activeRecord: (id) => book.get(id),
        localStatus: (id) => reader.localStatus(id),
        getStatus: (id) => reader.getStatus(id),
      },
      feeds,
      bus,
      stopped,
    );
  }

  waitFor(id: string, options: WaitOptions): Promise<JobStatus> {
    assertJobId(id, 'waitFor');
    const limit = options.timeout;
    if (limit !== undefined && (typeof limit !== 'number' || !Number.isFinite(limit) || limit < 0)) {
      throw new InvalidOptionError('timeout', limit, 'a finite number of milliseconds >= 0');
    }
    let final$ = this.follower.follow(id).pipe(filter(isFinal), take(1));
    if (limit !== undefined) {
      final$ = final$.pipe(rxTimeout({ first: limit, with: () => throwError(() => new WaitTimeoutError(id, limit)) }));
    }
    return firstValueFrom(final$);
  }

  progress$(id: string): Observable<JobProgress> {
    assertJobId(id, 'progress$');
    return new Observable<JobProgress>((subscriber) => {
      let last: JobProgress | undefined;
      return this.follower.follow(id).subscribe({
        next: (status) => {
          if (status.state === 'failed') return subscriber.error(new JobFailedError(id, status.error ?? UNKNOWN_ERROR));
          if (status.state === 'cancelled' || status.state === 'interrupted') {
            return subscriber.error(new JobCancelledError(id, status.state));
          }
          if (!last || !sameProgress(last, status.progress)) subscriber.next((last = status.progress));
          if (status.state === 'completed') subscriber.complete();
        },
        error: (error: unknown) => subscriber.error(error),
      });
    });
  }
}

function sameProgress(a: JobProgress, b: JobProgress): boolean {
  return a.value === b.value && JSON.stringify(a.data) === JSON.stringify(b.data);
}
