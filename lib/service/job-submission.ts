import type { Type } from '@nestjs/common';
import { resolveJobOptions } from '../async-job-options.resolver.js';
import type { ResolvedModuleOptions } from '../async-job-options.types.js';
import type { JobRegistry } from '../async-job.registry.js';
import type { AttemptLifecycle } from '../attempt/attempt-lifecycle.js';
import { INVALID_ARGUMENT } from '../async-job.messages.js';
import type { JobEventBus } from '../events/job-event-bus.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import { QueueFullError } from '../errors/queue-full.error.js';
import { ShuttingDownError } from '../errors/shutting-down.error.js';
import type { PerformOptions } from '../interfaces/job-options.interface.js';
import type { StartOptions } from '../interfaces/start-options.interface.js';
import type { TransactionHandle } from '../interfaces/typeorm-types.interface.js';
import type { JobDefinition } from '../job-definition.types.js';
import type { StatusSink } from '../progress/status-sink.interface.js';
import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import type { LocalQueue } from '../transport/local-queue.js';
import type { RemoteJobs } from '../transport/remote-jobs.js';
import { refuseStartExtras, splitStartOptions } from '../transport/start-extras.js';
import { afterCommitGate } from '../typeorm/after-commit.js';
import { isThenable } from '../utils/is-thenable.js';
import { newJobId } from '../utils/job-id.js';
import { NO_OPTIONS } from '../utils/no-options.js';
import type { JobBook } from '../worker/job-book.js';
import type { JobGate } from '../worker/job-gate.js';
import { JobRecord } from '../worker/job-record.js';

/**
 * New jobs: a closure (`perform`) or a named `@AsyncJob` (`start`), at once
 * or once the caller's transaction commits. A closure always runs here; a
 * named job runs here or, with a transport, wherever the queue delivers it:
 * that is decided once, when the module starts.
 */
export class JobSubmission {
  private open = true;
  private readonly startNamed: (
    definition: JobDefinition,
    options: StartOptions,
    args: readonly unknown[],
    gate?: JobGate,
  ) => Promise<string>;

  constructor(
    private readonly options: ResolvedModuleOptions,
    private readonly registry: JobRegistry,
    private readonly book: JobBook,
    private readonly sink: StatusSink,
    private readonly local: LocalQueue,
    private readonly lifecycle: AttemptLifecycle,
    private readonly bus: JobEventBus,
    remote: RemoteJobs | undefined,
  ) {
    this.startNamed = remote ? remote.start.bind(remote) : this.startLocal.bind(this);
  }

  /** False once shutdown has begun. */
  get accepting(): boolean {
    return this.open;
  }

  /** Refuses new jobs from now on. */
  close(): void {
    this.open = false;
  }

  /** Not `async`: with a synchronous tracker the id is known at once, and the only promise made is the one returned. */
  perform<A extends unknown[]>(options: PerformOptions, fn: (...args: A) => unknown, args: A, gate?: JobGate): Promise<string> {
    try {
      if (typeof fn !== 'function') {
        throw new InvalidArgumentError(
          'AsyncJobService.perform fn',
          fn,
          INVALID_ARGUMENT('AsyncJobService.perform', 'a function to run', fn),
        );
      }
      const plain = options === NO_OPTIONS;
      if (!plain && typeof options === 'object' && options !== null) refuseStartExtras(options);
      const jobOptions = plain ? this.options.defaultJobOptions : resolveJobOptions(options, this.options.defaultJobOptions);
      const name = options.name ?? (fn.name || 'anonymous');
      if (typeof name !== 'string' || name === '') throw new InvalidOptionError('name', name, 'a non-empty string');
      const id = this.submit(name, fn as (...args: never[]) => unknown, args, jobOptions, gate);
      return typeof id === 'string' ? Promise.resolve(id) : id;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Not `async`: the transport's promise, or the id, is handed on without another promise around it. */
  start<T>(options: StartOptions, type: Type<T>, method: string, args: readonly unknown[], gate?: JobGate): Promise<string> {
    try {
      const definition = this.registry.get(type, method);
      if (!this.open) throw new ShuttingDownError();
      return this.startNamed(definition, options, args, gate);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@link perform} once the transaction of `trx` commits. */
  async performAfterCommit<A extends unknown[]>(
    trx: TransactionHandle,
    options: PerformOptions,
    fn: (...args: A) => unknown,
    args: A,
  ): Promise<string> {
    // Registered now, before any await, so a commit that follows at once is seen.
    const gate = afterCommitGate(trx, 'performAfterCommit');
    try {
      return await this.perform(options, fn, args, gate);
    } catch (error) {
      gate.abandon();
      throw error;
    }
  }

  /** {@link start} once the transaction of `trx` commits. */
  async startAfterCommit<T>(
    trx: TransactionHandle,
    options: StartOptions,
    type: Type<T>,
    method: string,
    args: readonly unknown[],
  ): Promise<string> {
    const gate = afterCommitGate(trx, 'startAfterCommit');
    try {
      return await this.start(options, type, method, args, gate);
    } catch (error) {
      gate.abandon();
      throw error;
    }
  }

  private startLocal(definition: JobDefinition, options: StartOptions, args: readonly unknown[], gate?: JobGate): Promise<string> {
    const local = typeof options === 'object' && options !== null ? splitStartOptions(options, false).rest : options;
    const jobOptions = resolveJobOptions(local, definition.options);
    const id = this.submit(definition.name, definition.run, args, jobOptions, gate, definition.synchronous);
    return typeof id === 'string' ? Promise.resolve(id) : id;
  }

  /**
   * Tracks the job, then queues it (with a `gate`, holds it until the gate
   * opens). Answers the id at once when the tracker answers at once (the
   * memory one): no promise on the path of every job.
   */
  private submit(
    name: string,
    fn: (...args: never[]) => unknown,
    args: readonly unknown[],
    options: ResolvedJobOptions,
    gate?: JobGate,
    synchronous = false,
  ): string | Promise<string> {
    if (!this.open) throw new ShuttingDownError();
    if (this.book.waiting >= this.options.maxQueued) throw new QueueFullError(this.options.maxQueued);
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
      else this.local.enqueue(record);
    } else {
      gate?.abandon();
    }
    return record.id;
  }

  /** A job held back by a gate (its transaction committed) enters the queue. */
  private enqueueGated(record: JobRecord): void {
    if (record.is('queued')) this.local.enqueue(record);
  }

  /** A job held back by a gate (its transaction rolled back) never runs. */
  private async dropGated(record: JobRecord, reason: Error): Promise<void> {
    if (!record.isFinal) await this.lifecycle.finish(record, 'cancelled', { ok: false, error: reason });
  }
}
