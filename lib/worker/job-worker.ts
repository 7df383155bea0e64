import { AsyncResource } from 'node:async_hooks';
import { Subject, type Subscription } from 'rxjs';
import { Backlog, type BacklogNode } from './backlog.js';

/**
 * Runs queued items fed through an RxJS `Subject`, at most `concurrency` at
 * a time, in FIFO order.
 *
 * Items wait in a {@link Backlog} and enter the stream only when a slot is
 * free: however long the backlog, each item costs O(1). The slots are
 * counted here, so the stream needs no `mergeMap`: its inner subscription
 * per item (allocations measured in docs/performance.md) only repeated that count, and it
 * buffers overflow in an array it shifts, O(N²) for a burst of N.
 *
 * Every run happens in the async context captured when the worker was built
 * (application bootstrap), never in the context of whoever enqueued: a
 * request's AsyncLocalStorage state must not leak into a job.
 *
 * The per-item path calls prototype methods (a bound method, an observer
 * class) rather than closures made per worker, so every worker of the
 * process runs the same functions, which V8 optimises once (see docs/performance.md).
 */
export class JobWorker<T extends BacklogNode<T>> {
  private readonly backlog = new Backlog<T>();
  private readonly ready$ = new Subject<T>();
  private readonly subscription: Subscription;
  private readonly scope = new AsyncResource('AsyncJobWorker');
  private running = 0;
  private paused: boolean;
  private pumpScheduled = false;
  /** Set while {@link pump} loops: a run that ends inside it frees its slot for the loop, not for a nested pump. */
  private pumping = false;
  /** For a run that ends later: frees its slot. */
  private readonly releaseLater = (): void => this.release();

  constructor(
    private readonly concurrency: number,
    /** Runs one item: synchronously (returns nothing) or until the promise settles. Should not throw. Pass a bound method rather than an arrow, for the reason above. */
    private readonly run: (item: T) => PromiseLike<void> | void,
    options: { paused?: boolean } = {},
  ) {
    this.paused = options.paused ?? false;
    this.subscription = this.ready$.subscribe(new WorkerObserver(this));
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

  /** Runs in the worker's own async scope, whoever calls: a finishing job's context must not leak into the next. */
  private pump(): void {
    if (this.pumping) return;
    this.scope.runInAsyncScope(this.pumpLoop, this);
  }

  private pumpLoop(): void {
    this.pumping = true;
    const sliceEnd = performance.now() + SLICE_MS;
    let started = 0;
    try {
      while (!this.paused && this.running < this.concurrency) {
        // Synchronous jobs end inside this loop: yield now and then, so timers and I/O are not starved by a long backlog.
        if (++started % SLICE_CHECK_EVERY === 0 && performance.now() > sliceEnd) {
          this.schedulePump();
          return;
        }
        const item = this.backlog.shift();
        if (!item) return;
        this.running++;
        this.ready$.next(item);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** One item's run; one that ends synchronously frees its slot at once, with no promise made for it. */
  execute(item: T): void {
    let result: PromiseLike<void> | void;
    try {
      result = this.run(item);
    } catch {
      result = undefined;
    }
    if (result === undefined) this.release();
    else result.then(this.releaseLater, this.releaseLater);
  }

  private release(): void {
    this.running--;
    this.pump();
  }
}

/** The worker's subscriber to its own stream; a class rather than a closure, for the reason given on {@link JobWorker}. */
class WorkerObserver<T extends BacklogNode<T>> {
  constructor(private readonly worker: JobWorker<T>) {}

  next(item: T): void {
    this.worker.execute(item);
  }
}

/** How long one pump may run synchronous jobs back to back before it yields to the event loop. */
const SLICE_MS = 10;
/** Jobs between two looks at the clock. */
const SLICE_CHECK_EVERY = 64;
