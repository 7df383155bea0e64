import type { AttemptLifecycle } from '../attempt/attempt-lifecycle.js';
import type { JobEventBus } from '../events/job-event-bus.js';
import { QueueFullError } from '../errors/queue-full.error.js';
import type { JobDefinition } from '../job-definition.types.js';
import type { StatusSink } from '../progress/status-sink.interface.js';
import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import { isThenable } from '../utils/is-thenable.js';
import { newJobId } from '../utils/job-id.js';
import type { JobBook } from '../worker/job-book.js';
import type { JobGate } from '../worker/job-gate.js';
import { JobRecord } from '../worker/job-record.js';
import type { JobTransport, RemoteCancel } from './job-transport.interface.js';
import type { LocalQueue } from './local-queue.js';
import type { StartExtraName, StartExtras } from './start-extras.js';

const TAKES_NO_EXTRAS: ReadonlySet<StartExtraName> = new Set();
const ABSENT: Promise<RemoteCancel> = Promise.resolve('absent');
const DONE: Promise<void> = Promise.resolve();

/**
 * The module's own engine: jobs run in this process, on its RxJS worker
 * (LocalQueue). It carries every closure given to `perform`, and the named
 * jobs too when the module has no `transport` option. A job is a record in
 * this process's book from the start, so its id is known at once, its
 * arguments need not be JSON, and a job held until its caller's transaction
 * commits is held there too.
 */
export class LocalTransport implements JobTransport {
  readonly runsJobs = true;
  /** Nothing of this engine runs elsewhere: no other process to wait for. */
  readonly cancelTimeout = 0;
  readonly startExtras = TAKES_NO_EXTRAS;
  private closed = false;

  constructor(
    private readonly queue: LocalQueue,
    private readonly maxQueued: number,
    private readonly lifecycle: AttemptLifecycle,
    private readonly book: JobBook,
    private readonly sink: StatusSink,
    private readonly bus: JobEventBus,
  ) {}

  /** Built by the module with what it needs: there is no service to bind to. */
  attach(): void {}

  /** The worker takes jobs from the start (unless the module starts paused). */
  startWorkers(): Promise<void> {
    return DONE;
  }

  add(
    job: JobDefinition,
    args: readonly unknown[],
    options: ResolvedJobOptions,
    _extras: StartExtras,
    gate: JobGate | undefined,
  ): string | Promise<string> {
    return this.submit(job.name, job.run, args, options, gate, job.synchronous);
  }

  /**
   * Tracks the job, then queues it (with a `gate`, holds it until the gate
   * opens). Answers the id at once when the tracker answers at once (the
   * memory one): no promise on the path of every job.
   */
  submit(
    name: string,
    fn: (...args: never[]) => unknown,
    args: readonly unknown[],
    options: ResolvedJobOptions,
    gate: JobGate | undefined,
    synchronous = false,
  ): string | Promise<string> {
    if (this.book.waiting >= this.maxQueued) throw new QueueFullError(this.maxQueued);
    const record = new JobRecord(newJobId(), name, fn, args, options);
    record.synchronous = synchronous;
    this.book.add(record);
    // Tracked before it is queued, so an immediate getProgress never misses it.
    let tracking: unknown;
    try {
      tracking = this.sink.track(record);
    } catch (error) {
      tracking = Promise.reject(error);
    }
    if (isThenable(tracking)) return this.submitTracked(record, tracking, gate);
    return this.enqueueTracked(record, gate);
  }

  /** A job of this engine is in the book, which is read before any transport. */
  status(): null {
    return null;
  }

  /** Every job of this engine runs in this process, where `cancel` has looked already. */
  cancel(): Promise<RemoteCancel> {
    return ABSENT;
  }

  /** A local job's progress is kept by the module's status sink: nothing more to write. */
  reportProgress(): void {}

  /** The jobs this engine holds are this process's own: they go on in the grace period, and no more come in once submission is closed. */
  pause(): Promise<void> {
    return DONE;
  }

  close(): Promise<void> {
    if (!this.closed) this.queue.stop();
    this.closed = true;
    return DONE;
  }

  /** {@link submit} once a tracker that answers later has the job. */
  private async submitTracked(record: JobRecord, tracking: PromiseLike<unknown>, gate: JobGate | undefined): Promise<string> {
    try {
      await tracking;
    } catch (error) {
      this.book.remove(record);
      await this.sink.untrack(record.id);
      this.book.notifyIfIdle();
      throw error;
    }
    return this.enqueueTracked(record, gate);
  }

  private enqueueTracked(record: JobRecord, gate: JobGate | undefined): string {
    // Shutdown may have interrupted it while the tracker was answering.
    if (record.is('queued')) {
      if (this.bus.isFollowed(record.id)) this.bus.publish({ type: 'queued', id: record.id, name: record.name, at: record.enqueuedAt });
      if (gate)
        gate.attach(
          record.id,
          () => this.enqueueGated(record),
          (reason) => this.dropGated(record, reason),
        );
      else this.queue.enqueue(record);
    } else {
      gate?.abandon();
    }
    return record.id;
  }

  /** A job held back by a gate (its transaction committed) enters the queue. */
  private enqueueGated(record: JobRecord): void {
    if (record.is('queued')) this.queue.enqueue(record);
  }

  /** A job held back by a gate (its transaction rolled back) never runs. */
  private async dropGated(record: JobRecord, reason: Error): Promise<void> {
    if (!record.isFinal) await this.lifecycle.finish(record, 'cancelled', { ok: false, error: reason });
  }
}
