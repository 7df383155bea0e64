import { Injectable, type MessageEvent } from '@nestjs/common';
import { AsyncJobService } from 'nestjs-asyncjob';
import { EMPTY, type Observable, catchError, concat, concatMap, defer, endWith, from, map, merge } from 'rxjs';
import { toJobStateView, type JobStateView } from './job-view.js';

/** What the page's event stream carries: a job's new state, then `end` once every job it follows has finished. */
export type JobFeedMessage = { readonly kind: 'update'; readonly job: JobStateView } | { readonly kind: 'end' };

/** Tells an `EventSource` that lost its connection to come back soon. */
const RECONNECT_MS = 2000;

/**
 * Turns `progress$` into the updates the page draws: one per progress
 * report or state change of each job, then its final state (with the result
 * or the error), then `end`. One stream serves many jobs, so a page with
 * many jobs holds one connection, not one per job (browsers allow only six
 * per host over HTTP/1.1).
 */
@Injectable()
export class JobFeedService {
  constructor(private readonly jobs: AsyncJobService) {}

  watch(ids: readonly string[]): Observable<MessageEvent> {
    return merge(...ids.map((id) => this.follow(id))).pipe(
      map((job): JobFeedMessage => ({ kind: 'update', job })),
      endWith<JobFeedMessage>({ kind: 'end' }),
      map((message) => ({ data: message, retry: RECONNECT_MS })),
    );
  }

  private follow(id: string): Observable<JobStateView> {
    // progress$ emits the current progress first and on every change; the
    // state that goes with it (queued, running) is read from the status.
    const live$ = this.jobs.progress$(id).pipe(
      concatMap((progress) => from(this.jobs.getStatus(id)).pipe(map((status) => toJobStateView(id, status && { ...status, progress })))),
      // It failed, was cancelled, or is unknown: the final read says which, with the error.
      catchError(() => EMPTY),
    );
    const final$ = defer(() => this.jobs.getStatus(id)).pipe(map((status) => toJobStateView(id, status)));
    return concat(live$, final$);
  }
}
