import { Observable, timer, type Subscription } from 'rxjs';
import { TrackerUnavailableError } from '../errors/tracker-unavailable.error.js';
import { TransportUnavailableError } from '../errors/transport-unavailable.error.js';
import { JobNotFoundError } from '../errors/job-not-found.error.js';
import type { JobStatus } from '../interfaces/job-status.interface.js';
import type { JobChangeFeed } from '../progress/job-change-feed.interface.js';
import { isFinal } from '../utils/is-final.js';
import type { JobRecord } from '../worker/job-record.js';
import type { JobEventBus } from './job-event-bus.js';

/** How often a job running in another process is re-read while someone follows it, when nothing announces its changes. */
const REMOTE_POLL_INTERVAL = 250;

/** What the follower reads from the service. */
export interface FollowedJobs {
  /** The record of a job active in this process. */
  activeRecord(id: string): JobRecord | undefined;
  /** The status of a job this process runs or has just finished, without I/O; `undefined` otherwise. */
  localStatus(id: string): JobStatus | undefined;
  /** Any job's status, wherever it runs; `null` when unknown. */
  getStatus(id: string): Promise<JobStatus | null>;
}

/**
 * A job's status now and after every change, for `waitFor` and `progress$`.
 * A job of this process is followed through its events; one active in
 * another process is re-read on each change its feeds announce (a shared
 * tracker that is a JobChangeFeed, BullMQ's event stream), or periodically
 * when there are none.
 */
export class JobFollower {
  constructor(
    private readonly jobs: FollowedJobs,
    private readonly feeds: readonly JobChangeFeed[],
    private readonly bus: JobEventBus,
    /** Aborted once the module has shut down: a job of another process is no longer followed (its reason, a ShuttingDownError, is the error). */
    private readonly stopped: AbortSignal,
  ) {}

  /** Emits the status at once and after each change; completes after the final one; errors with a `JobNotFoundError` for an unknown id. */
  follow(id: string): Observable<JobStatus> {
    return new Observable<JobStatus>((subscriber) => {
      const record = this.jobs.activeRecord(id);
      if (record) {
        subscriber.next(record.snapshot());
        const subscription = this.bus.follow(id, {
          next: () => subscriber.next(record.snapshot()),
          complete: () => subscriber.complete(),
        });
        return () => subscription.unsubscribe();
      }
      // Nothing of this process ends a follow of another's job: shutdown does, or it would hold the process until its timeout.
      if (this.stopped.aborted) {
        subscriber.error(this.stopped.reason);
        return undefined;
      }
      const onStop = (): void => subscriber.error(this.stopped.reason);
      this.stopped.addEventListener('abort', onStop, { once: true });
      subscriber.add(() => this.stopped.removeEventListener('abort', onStop));
      let last = '';
      const emit = (status: JobStatus | null): void => {
        if (!status) return subscriber.error(new JobNotFoundError(id));
        const seen = JSON.stringify(status);
        if (seen !== last) subscriber.next(status);
        last = seen;
        if (isFinal(status)) subscriber.complete();
      };
      // The job may be delivered to this very process later (a queue's worker): its events here
      // are then the first word, before a store that may drop a finished job at once.
      const local = this.bus.follow(id, {
        next: () => {
          const status = this.jobs.localStatus(id);
          if (status) emit(status);
        },
      });
      if (this.feeds.length > 0) {
        // One read at a time; changes announced during a read cause exactly one more.
        let reading = false;
        let again = false;
        const read = (): void => {
          if (subscriber.closed) return;
          if (reading) {
            again = true;
            return;
          }
          reading = true;
          this.jobs.getStatus(id).then(
            (status) => {
              reading = false;
              emit(status);
              if (again) {
                again = false;
                read();
              }
            },
            (error: unknown) => {
              reading = false;
              // The store (the tracker's, or the queue's) is away for now: its feed announces its return (and rechecks
              // now and then), and the read is made again then.
              if (error instanceof TrackerUnavailableError || error instanceof TransportUnavailableError) {
                if (again) {
                  again = false;
                  read();
                }
                return;
              }
              subscriber.error(error);
            },
          );
        };
        const unwatches = this.feeds.map((feed) => feed.watch(id, read));
        read();
        return () => {
          local.unsubscribe();
          for (const unwatch of unwatches) unwatch();
        };
      }
      let polling: Subscription | undefined = timer(0, REMOTE_POLL_INTERVAL).subscribe(() => {
        this.jobs.getStatus(id).then(emit, (error: unknown) => subscriber.error(error));
      });
      return () => {
        local.unsubscribe();
        polling?.unsubscribe();
        polling = undefined;
      };
    });
  }
}
