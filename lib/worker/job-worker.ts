import { AsyncResource } from 'node:async_hooks';
import { Observable, Subject, type Subscription, mergeMap } from 'rxjs';
import { Backlog, type BacklogNode } from './backlog.js';

/**
 * Runs queued items through an RxJS `Subject` + `mergeMap`, at most
 * `concurrency` at a time, in FIFO order.
 *
 * Items wait in a {@link Backlog} and enter the stream only when a slot is
 * free, so `mergeMap`'s own overflow buffer stays empty: however long the
 * backlog, each item costs O(1).
 *
 * Every run happens in the async context captured when the worker was built
 * (application bootstrap), never in the context of whoever enqueued: a
 * request's AsyncLocalStorage state must not leak into a job.
 */
export class JobWorker<T extends BacklogNode<T>> {
  private readonly backlog = new Backlog<T>();
  private readonly ready$ = new Subject<T>();
  private readonly subscription: Subscription;
  private readonly scope = new AsyncResource('AsyncJobWorker');
  private running = 0;
  private paused: boolean;
  private pumpScheduled = false;

  constructor(
    private readonly concurrency: number,
    private readonly run: (item: T) => Promise<void>,
    options: { paused?: boolean } = {},
  ) {
    this.paused = options.paused ?? false;
    this.subscription = this.ready$.pipe(mergeMap((item) => this.execute(item), concurrency)).subscribe();
  }

  /** Items waiting for a slot. */
  get queued(): number {
    return this.backlog.size;
  }

  /** Items being run now. */
  get active(): number {
    return this.running;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  enqueue(item: T): void {
    this.backlog.push(item);
    this.schedulePump();
  }

  /** Takes a waiting item out of the backlog; false when it was not waiting. */
  remove(item: T): boolean {
    return this.backlog.remove(item);
  }

  /** Removes and returns every waiting item. */
  takeAll(): T[] {
    const items: T[] = [];
    for (let item = this.backlog.shift(); item; item = this.backlog.shift()) items.push(item);
    return items;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedulePump();
  }

  stop(): void {
    this.paused = true;
    this.subscription.unsubscribe();
    this.scope.emitDestroy();
  }

  /**
   * Starts waiting items on a later turn of the event loop, never inside the
   * caller's stack: a CPU-bound job must not delay the response of the
   * request that enqueued it. One scheduled turn serves a whole burst.
   */
  private schedulePump(): void {
    if (this.pumpScheduled || this.paused) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.paused && this.running < this.concurrency) {
      const item = this.backlog.shift();
      if (!item) return;
      this.running++;
      this.ready$.next(item);
    }
  }

  private execute(item: T): Observable<never> {
    return new Observable<never>((subscriber) => {
      this.scope.runInAsyncScope(() => this.run(item)).then(
        () => this.release(subscriber),
        () => this.release(subscriber),
      );
    });
  }

  private release(subscriber: { complete(): void }): void {
    // Completing first lets mergeMap free its slot, so the next item pumped
    // below goes straight to a subscription rather than into its buffer.
    subscriber.complete();
    this.running--;
    this.pump();
  }
}
