import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { Observable, filter, firstValueFrom, take, throwError, timeout as rxTimeout } from 'rxjs';
import { PROGRESS_TRACKER } from './async-job.constants.js';
import { RESOLVED_OPTIONS } from './async-job.internal-constants.js';
import { resolveJobOptions } from './async-job-options.resolver.js';
import type { ResolvedModuleOptions } from './async-job-options.types.js';
import type { ResolvedJobOptions } from './resolved-job-options.types.js';
import { JobRegistry } from './async-job.registry.js';
import type { JobDefinition } from './job-definition.types.js';
import type { JobTransport } from './transport/job-transport.interface.js';
import { refuseStartExtras, splitStartOptions, type StartExtras } from './transport/start-extras.js';
import type { DeliveredJob, DeliveryOutcome, TransportHost } from './transport/transport-host.interface.js';
import { backoffDelay } from './utils/backoff.js';
import { JobEventBus } from './events/job-event-bus.js';
import { JobFollower } from './events/job-follower.js';
import { INVALID_ARGUMENT } from './async-job.messages.js';
import { InvalidArgumentError } from './errors/invalid-argument.error.js';
import { InvalidOptionError } from './errors/invalid-option.error.js';
import { JobCancelledError } from './errors/job-cancelled.error.js';
import { JobFailedError } from './errors/job-failed.error.js';
import { NotInJobError } from './errors/not-in-job.error.js';
import { QueueFullError } from './errors/queue-full.error.js';
import { ShuttingDownError } from './errors/shutting-down.error.js';
import { WaitTimeoutError } from './errors/wait-timeout.error.js';
import type { JobEvent } from './interfaces/job-event.interface.js';
import type { JobMethodArgs, JobMethodName } from './interfaces/job-method.types.js';
import type { PerformOptions } from './interfaces/job-options.interface.js';
import type { FinalJobState, JobError, JobProgress, JobState, JobStatus } from './interfaces/job-status.interface.js';
import type { RunningJob } from './interfaces/running-job.interface.js';
import type { StartOptions } from './interfaces/start-options.interface.js';
import type { TimedQueryOptions } from './interfaces/timed-query-options.interface.js';
import type { WaitOptions } from './interfaces/wait-options.interface.js';
import { LIVE_PROGRESS, RETAIN_FINISHED, moduleOwnedTrackers } from './progress/own-tracker.js';
import { MemoryProgressTracker } from './progress/memory-progress-tracker.js';
import { TrackerCalls } from './progress/tracker-calls.js';
import { isJobChangeFeed } from './progress/job-change-feed.interface.js';
import { isJobStatusStore, type JobStatusStore, type ProgressTracker } from './progress/progress-tracker.interface.js';
import type { JobEntityManager, JobQueryRunner, TransactionHandle } from './interfaces/typeorm-types.interface.js';
import { afterCommitGate } from './typeorm/after-commit.js';
import { JobTransactions, jobQueryRunner } from './typeorm/job-transactions.js';
import { timedQuery as runTimedQuery } from './typeorm/timed-query.js';
import { isFinal } from './utils/is-final.js';
import { isThenable } from './utils/is-thenable.js';
import { stackOf, toJobError } from './utils/job-error.js';
import { newJobId } from './utils/job-id.js';
import { isJsonScalar, parseJson, toJson } from './utils/json.js';
import { ActiveJobs } from './worker/active-jobs.js';
import type { JobGate } from './worker/job-gate.js';
import { JobRecord } from './worker/job-record.js';
import type { AttemptOutcome } from './worker/attempt.types.js';
import { JobRunner } from './worker/job-runner.js';
import { JobWorker } from './worker/job-worker.js';

const RESOLVED: Promise<void> = Promise.resolve();
/** `perform`'s options: none, so the defaults apply as they are, with no validation to redo per job. */
const NO_OPTIONS: PerformOptions & StartOptions = Object.freeze({});
const NO_EXTRAS: StartExtras = Object.freeze({});
const CANCELLED: DeliveryOutcome = { kind: 'cancelled' };
const REQUEUED: DeliveryOutcome = { kind: 'requeued' };
/** Most named jobs kept while BullMQ has yet to confirm their end. */
const MAX_ACKING = 10_000;

/**
 * Schedules background jobs and tells how they are doing.
 *
 * `perform(fn, ...args)` returns a job id at once and runs `fn` later on the
 * module's worker; inside the job `setProgress` reports progress, and
 * anywhere `getProgress`, `getStatus`, `waitFor` and `progress$` read it.
 *
 * @publicApi
 */
@Injectable()
export class AsyncJobService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AsyncJob');
  private readonly runner: JobRunner;
  /** Each job's database transaction; only with a `dataSource`. */
  private readonly transactions?: JobTransactions | undefined;
  private readonly worker: JobWorker<JobRecord>;
  private readonly statuses: JobStatusStore;
  /** Jobs of this process that have not finished: queued, running or waiting to retry. */
  private readonly records = new ActiveJobs<JobRecord>();
  private readonly bus = new JobEventBus();
  private readonly follower: JobFollower;
  private readonly trackerCalls = new TrackerCalls(this.logger);
  private idleWaiters: Array<() => void> = [];
  /** Records in state `running`; the worker's own count lags behind by the bookkeeping after each attempt. */
  private running = 0;
  private accepting = true;
  /** Aborted as shutdown ends: stops a `timedQuery` waiting outside any job. */
  private readonly stopping = new AbortController();
  /** Statuses kept in this process's memory, which already holds every active job's record. */
  private readonly statusesAreLocal: boolean;
  /**
   * The memory tracker the module built for itself, when that is the tracker:
   * it reads active jobs' progress from {@link records} and takes finished
   * jobs' fields from them, so nothing is copied into it on the way.
   */
  private readonly ownTracker?: MemoryProgressTracker | undefined;
  /** Where named jobs go instead of the local worker (BullMQ); see `transport` in the module options. */
  private readonly transport?: JobTransport | undefined;
  /**
   * Named jobs that finished here and that BullMQ has not yet recorded as
   * finished: until it has, this process answers for them (its job hash
   * would still say `active`).
   */
  private readonly acking = new Map<string, JobRecord>();
  /** Named jobs running here that `cancel` is recording: BullMQ hears of the end only once that is written. */
  private readonly cancelling = new Map<string, Promise<void>>();

  /**
   * Lifecycle events (queued, started, progress, retrying, completed,
   * failed, cancelled, interrupted) of the jobs this process runs.
   * Completes at shutdown.
   */
  readonly events$: Observable<JobEvent> = this.bus.events$;

  /** @internal Built by Nest's injector. */
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedModuleOptions,
    @Inject(PROGRESS_TRACKER) private readonly tracker: ProgressTracker,
    private readonly registry: JobRegistry,
  ) {
    // A tracker that keeps only progress still gets statuses, kept here.
    this.statuses = isJobStatusStore(tracker) ? tracker : new MemoryProgressTracker({ maxRetained: options.maxRetained });
    this.ownTracker = moduleOwnedTrackers.has(tracker) && tracker instanceof MemoryProgressTracker ? tracker : undefined;
    if (this.ownTracker) this.ownTracker[LIVE_PROGRESS] = (id) => this.records.get(id)?.progress();
    // Only a store this module built: a memory tracker given in the options or through the token may be shared with another module.
    this.statusesAreLocal = !isJobStatusStore(tracker) || this.ownTracker !== undefined;
    this.worker = new JobWorker(options.concurrency, this.runAttempt.bind(this), { paused: options.paused });
    this.transactions = options.dataSource
      ? new JobTransactions(options.dataSource, () => this.runner.current(), this.logger, options.defaultJobOptions.transaction)
      : undefined;
    this.runner = new JobRunner(this.transactions);
    this.transport = options.transport;
    const feeds = [isJobChangeFeed(tracker) && isJobStatusStore(tracker) ? tracker : undefined, this.transport?.feed].filter(
      (feed) => feed !== undefined,
    );
    this.follower = new JobFollower(
      {
        activeRecord: (id) => this.records.get(id),
        localStatus: (id) => (this.records.get(id) ?? this.acking.get(id))?.snapshot(),
        getStatus: (id) => this.getStatus(id),
      },
      feeds,
      this.bus,
    );
    this.transport?.attach(this.transportHost(), options.concurrency);
  }

  /** With the BullMQ transport and the worker role, starts taking jobs once every `@AsyncJob` is registered. */
  async onApplicationBootstrap(): Promise<void> {
    await this.transport?.startWorkers();
  }

  /**
   * Schedules `fn(...args)` to run in the background and resolves to the new
   * job's id as soon as it is tracked (before it runs). `fn` may be sync or
   * async. Rejects with an `InvalidArgumentError` when `fn` is not a function, a
   * `ShuttingDownError` once shutdown has begun, a `QueueFullError` past
   * `maxQueued`, or the tracker's error when the job cannot be tracked.
   */
  perform<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): Promise<string> {
    return this.performGated(NO_OPTIONS, fn, args);
  }

  /** {@link perform} with per-job options: name, timeout, attempts, backoff, transaction. */
  performWith<A extends unknown[]>(options: PerformOptions, fn: (...args: A) => unknown, ...args: A): Promise<string> {
    return this.performGated(options, fn, args);
  }

  /**
   * Starts the `@AsyncJob` method `method` of provider class `type` in the
   * background, with `args` checked against the method's parameters, and
   * resolves to the job id. Rejects with a `JobNotRegisteredError` when the
   * method is not a discovered `@AsyncJob`.
   */
  start<T, K extends JobMethodName<T>>(type: Type<T>, method: K, ...args: JobMethodArgs<T, K>): Promise<string> {
    return this.startGated(NO_OPTIONS, type, method, args);
  }

  /**
   * {@link start} with per-call options over the decorator's. With the BullMQ
   * transport also `delay`, `priority` and `jobId` (deduplication).
   */
  startWith<T, K extends JobMethodName<T>>(options: StartOptions, type: Type<T>, method: K, ...args: JobMethodArgs<T, K>): Promise<string> {
    return this.startGated(options, type, method, args);
  }

  /**
   * Like {@link perform}, but the job enters the queue only once the
   * transaction of `trx` commits: `trx` is the caller's TypeORM QueryRunner,
   * or the EntityManager bound to it (as `dataSource.transaction()` passes).
   * If that transaction rolls back, or the QueryRunner is released without
   * committing, the job never runs and is recorded `cancelled`, its error
   * saying why. Resolves to the id at once, while the job waits (`queued`).
   * Rejects with a `NoTransactionError` when `trx` is not inside an active
   * transaction. Needs no `dataSource` option: the transaction is the caller's.
   */
  performAfterCommit<A extends unknown[]>(trx: TransactionHandle, fn: (...args: A) => unknown, ...args: A): Promise<string> {
    return this.performAfterCommitWith(trx, {}, fn, ...args);
  }

  /** {@link performAfterCommit} with per-job options. */
  async performAfterCommitWith<A extends unknown[]>(
    trx: TransactionHandle,
    options: PerformOptions,
    fn: (...args: A) => unknown,
    ...args: A
  ): Promise<string> {
    // Registered now, before any await, so a commit that follows at once is seen.
    const gate = afterCommitGate(trx, 'performAfterCommit');
    try {
      return await this.performGated(options, fn, args, gate);
    } catch (error) {
      gate.abandon();
      throw error;
    }
  }

  /** {@link start} an `@AsyncJob` method once the transaction of `trx` commits, as {@link performAfterCommit} does. */
  startAfterCommit<T, K extends JobMethodName<T>>(
    trx: TransactionHandle,
    type: Type<T>,
    method: K,
    ...args: JobMethodArgs<T, K>
  ): Promise<string> {
    return this.startAfterCommitWith(trx, {}, type, method, ...args);
  }

  /** {@link startAfterCommit} with per-call options over the decorator's. */
  async startAfterCommitWith<T, K extends JobMethodName<T>>(
    trx: TransactionHandle,
    options: StartOptions,
    type: Type<T>,
    method: K,
    ...args: JobMethodArgs<T, K>
  ): Promise<string> {
    const gate = afterCommitGate(trx, 'startAfterCommit');
    try {
      return await this.startGated(options, type, method, args, gate);
    } catch (error) {
      gate.abandon();
      throw error;
    }
  }

  /**
   * The running job's transactional TypeORM EntityManager: what it reads and
   * writes through it is committed when the job succeeds and rolled back
   * when it throws, rejects, times out or is cancelled. The first call of an
   * attempt starts the transaction (taking a connection from the pool); a job
   * that never calls it takes none. Rejects with a `NoTransactionError`
   * without a `dataSource`, outside a job, with `transaction: false`, or once
   * the attempt is over.
   */
  entityManager(): Promise<JobEntityManager> {
    return jobQueryRunner(this.transactions, this.runner.current(), 'entityManager').then((queryRunner) => queryRunner.manager);
  }

  /**
   * The running job's QueryRunner, inside its transaction (see
   * {@link entityManager}): for raw SQL or savepoints. The module commits,
   * rolls back and releases it; do not.
   */
  queryRunner(): Promise<JobQueryRunner> {
    return jobQueryRunner(this.transactions, this.runner.current(), 'queryRunner');
  }

  /**
   * Runs `query` until it finds something: after `initialDelay` (1 s), then
   * while it returns `null`, `undefined` or an empty array, again every
   * `interval` (6 s), at most `retries` (10) more times: 61 s at worst.
   * Resolves to what it found, or `null` (rejects with a
   * `TimedQueryTimeoutError` with `throwOnTimeout`). Waits on timers, so
   * other jobs go on; inside a job it stops as soon as the job is cancelled,
   * times out or is interrupted by shutdown, rejecting with that reason (a
   * `ShuttingDownError` outside a job, once shutdown is over).
   *
   * Inside a job, query through `entityManager()`: its transaction runs at
   * READ COMMITTED by default, so each try sees rows committed since the
   * last. Prefer {@link performAfterCommit}, which makes the wait needless.
   */
  timedQuery<T>(query: () => T | PromiseLike<T>, options: TimedQueryOptions & { readonly throwOnTimeout: true }): Promise<NonNullable<T>>;
  timedQuery<T>(query: () => T | PromiseLike<T>, options?: TimedQueryOptions): Promise<NonNullable<T> | null>;
  timedQuery<T>(query: () => T | PromiseLike<T>, options?: TimedQueryOptions): Promise<NonNullable<T> | null> {
    const context = this.runner.current();
    this.transactions?.warnIfSnapshot(context);
    return runTimedQuery(query, options, [context ? context.signal : this.stopping.signal]);
  }

  /**
   * Reports the running job's progress. Only valid inside a job (it finds
   * the job through AsyncLocalStorage, across awaits and timers); elsewhere
   * it throws a `NotInJobError`. `value` must be a finite integer and `data`
   * JSON-serialisable, otherwise it throws an `InvalidArgumentError` at once. The
   * returned promise resolves once the tracker has the update; it never
   * rejects (a tracker failure is logged), so not awaiting it is safe.
   */
  setProgress(value: number, data?: unknown): Promise<void> {
    const context = this.runner.current();
    if (!context) throw new NotInJobError('setProgress');
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      throw new InvalidArgumentError(
        'setProgress value',
        value,
        INVALID_ARGUMENT('setProgress', 'its value to be a finite integer', value),
      );
    }
    const json = data === undefined || data === null ? null : toJson(data, 'setProgress data');
    // A timed-out or cancelled job may go on running; its reports no longer count.
    if (!context.isActive) return RESOLVED;
    const record = context.record;
    record.progressValue = value;
    record.progressJson = json;
    if (this.bus.isFollowed(record.id)) {
      this.bus.publish({ type: 'progress', id: record.id, name: record.name, at: Date.now(), progress: record.snapshot().progress });
    }
    if (this.ownTracker) return RESOLVED;
    if (record.external && this.transport) {
      // A named job's progress lives in its BullMQ job, like the rest of its status.
      this.transport.reportProgress(record.id, record.attempts, value, json === null ? null : data);
      return RESOLVED;
    }
    return (
      this.trackerCalls.call('setProgress', record.id, () => this.tracker.setProgress(record.id, value, json === null ? null : data)) ??
      RESOLVED
    );
  }

  /**
   * tgext.asyncjob's view of a job: `{ value: -1, data: null }` while queued
   * or before its first `setProgress`, `{ value, data }` after, and `null`
   * once it has finished (its transaction settled) or when the id is unknown.
   * Returns a copy.
   */
  async getProgress(id: string): Promise<JobProgress | null> {
    assertJobId(id, 'getProgress');
    if (this.transport) {
      const record = this.records.get(id);
      // Any job this process does not run as a closure may be a named one, which BullMQ records.
      if (!record || record.external) return this.distributedProgress(id, record);
    }
    const progress = await this.tracker.getProgress(id);
    return progress ? copyProgress(progress) : null;
  }

  /**
   * Everything known about a job, or `null` for an id that is unknown (never
   * created, or finished longer ago than `retention`). Unlike `getProgress`,
   * a finished job is reported with its final state, result or error.
   */
  async getStatus(id: string): Promise<JobStatus | null> {
    assertJobId(id, 'getStatus');
    const record = this.records.get(id) ?? this.acking.get(id);
    if (record) return record.snapshot();
    // BullMQ first: the tracker's final word on a named job (the full error, or cancelled) is written
    // before BullMQ records the end, so a later read of the tracker cannot miss it.
    const queued = this.transport ? await this.transport.status(id) : null;
    const status = await this.statuses.getStatus(id);
    if (queued && !(status && isFinal(status))) return queued;
    if (!status || isFinal(status)) return status;
    // Active in another process: its progress is fresher in the tracker.
    const progress = await this.tracker.getProgress(id);
    return progress ? { ...status, progress: copyProgress(progress) } : status;
  }

  /** {@link getProgress} of a job that may be a named one: what its status says. */
  private async distributedProgress(id: string, record: JobRecord | undefined): Promise<JobProgress | null> {
    if (record && !record.isFinal) return record.progress();
    const status = await this.getStatus(id);
    return status && !isFinal(status) ? copyProgress(status.progress) : null;
  }

  /** The id of the job this code runs in, or `undefined` outside a job. */
  currentJobId(): string | undefined {
    return this.runner.current()?.id;
  }

  /** The job this code runs in (id, name, attempt, `AbortSignal`), or `undefined` outside a job. */
  currentJob(): RunningJob | undefined {
    return this.runner.current();
  }

  /**
   * Resolves with the job's final status (completed, failed, cancelled or
   * interrupted: it does not reject when the job fails). Rejects with a
   * `JobNotFoundError` for an unknown id and a `WaitTimeoutError` when
   * `timeout` ms pass first.
   */
  waitFor(id: string, options: WaitOptions = {}): Promise<JobStatus> {
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

  /**
   * The job's progress as it changes, starting with the current value.
   * Completes when the job completes; errors with a `JobFailedError` when it
   * fails, a `JobCancelledError` when it is cancelled or interrupted, and a
   * `JobNotFoundError` when the id is unknown.
   */
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

  /**
   * Cancels a job of this process: a queued one never runs, a running one
   * sees its `AbortSignal` aborted and is recorded as `cancelled` at once
   * (its transaction rolled back). Resolves to `false` when the job is
   * unknown here or already finished.
   *
   * With the BullMQ transport, from any process: a job no worker has taken is
   * removed from the queue and recorded cancelled; a running one is cancelled
   * by the process running it, and this resolves once that is recorded
   * (`false` if it finished otherwise within the transport's `cancelTimeout`).
   */
  async cancel(id: string): Promise<boolean> {
    assertJobId(id, 'cancel');
    const record = this.records.get(id);
    if (!record && this.transport) return this.cancelRemote(this.transport, id);
    if (!record || record.isFinal) return false;
    // An attempt that has its outcome is committing or rolling back: it ends as it ended.
    if (record.context && !record.context.isActive) {
      await record.context.done;
      // Recorded by now: final, or queued for a retry, which can still be cancelled.
      if (record.isFinal) return false;
    }
    const reason = new JobCancelledError(id, 'cancelled');
    this.halt(record, reason);
    const recording = Promise.resolve(this.finish(record, 'cancelled', { ok: false, error: reason }));
    if (record.external) {
      this.cancelling.set(id, recording);
      void recording.finally(() => this.cancelling.delete(id));
    }
    await recording;
    return true;
  }

  /** Resolves when this process has no job queued, running or waiting to retry. */
  drain(): Promise<void> {
    if (this.records.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops starting jobs; running ones go on, new ones queue up. */
  pause(): void {
    this.worker.pause();
  }

  /** Starts queued jobs again after {@link pause} (or the `paused` option). */
  resume(): void {
    this.worker.resume();
  }

  /**
   * How many of this process's jobs wait and run now, whether the worker is
   * paused, and whether jobs are accepted (false once shutdown has begun):
   * for health checks and metrics.
   */
  stats(): { readonly queued: number; readonly running: number; readonly paused: boolean; readonly accepting: boolean } {
    return { queued: this.records.size - this.running, running: this.running, paused: this.worker.isPaused, accepting: this.accepting };
  }

  /**
   * Stops accepting jobs, lets queued and running ones finish within
   * `shutdownTimeout`, then aborts the rest and records them as
   * `interrupted` (logging their ids), so no tracker is left showing a
   * ghost job.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.accepting) return;
    this.accepting = false;
    // BullMQ worker role: no more jobs are taken from the queue; they stay in Redis for the next worker.
    await this.transport?.pause();
    if (this.records.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.shutdownTimeout)));
      await Promise.race([this.drain(), graceOver]);
      clearTimeout(timer);
    }
    const unfinished = [...this.records.values()].filter((record) => !record.isFinal);
    if (unfinished.length > 0) {
      this.logger.warn(
        `Shutting down: ${unfinished.length} job(s) did not finish within ${this.options.shutdownTimeout} ms and were interrupted: ` +
          unfinished.map((record) => `${record.id} (${record.name})`).join(', '),
      );
      await Promise.all(
        unfinished.map((record) => {
          const reason = new JobCancelledError(record.id, 'interrupted');
          if (record.external) {
            // Handed back to the queue (runDelivered records it queued): another worker runs it again.
            this.setState(record, 'queued');
            this.halt(record, reason);
            return Promise.resolve();
          }
          this.halt(record, reason);
          return this.finish(record, 'interrupted', { ok: false, error: reason });
        }),
      );
    }
    if (this.transport) {
      await this.drain();
      await this.transport.close();
    }
    this.stopping.abort(new ShuttingDownError());
    this.worker.stop();
    this.bus.complete();
  }

  /** Not `async`: with a synchronous tracker the id is known at once, and the only promise made is the one returned. */
  private performGated<A extends unknown[]>(
    options: PerformOptions,
    fn: (...args: A) => unknown,
    args: A,
    gate?: JobGate,
  ): Promise<string> {
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
  private startGated<T>(options: StartOptions, type: Type<T>, method: string, args: readonly unknown[], gate?: JobGate): Promise<string> {
    try {
      const definition = this.registry.get(type, method);
      if (this.transport) return this.startRemote(this.transport, definition, options, args, gate);
      const local = typeof options === 'object' && options !== null ? splitStartOptions(options, false).rest : options;
      const jobOptions = resolveJobOptions(local, definition.options);
      const id = this.submit(definition.name, definition.run, args, jobOptions, gate, definition.synchronous);
      return typeof id === 'string' ? Promise.resolve(id) : id;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * A named job through the transport: added to the queue, to run in a
   * worker process. Its BullMQ job is its record, so `getProgress` answers
   * `{ value: -1, data: null }` as soon as this resolves. With a `gate`, it
   * is added only once the caller's transaction commits, and until then the
   * tracker holds it as queued.
   */
  private startRemote(
    transport: JobTransport,
    definition: JobDefinition,
    options: StartOptions,
    args: readonly unknown[],
    gate?: JobGate,
  ): Promise<string> {
    if (!this.accepting) throw new ShuttingDownError();
    // Checked here, at the call, not on another machine later.
    if (!args.every(isJsonScalar)) toJson(args, `The arguments of job "${definition.name}"`);
    if (options !== NO_OPTIONS || gate || this.bus.observed) return this.startRemoteWith(transport, definition, options, args, gate);
    // A plain start() of a burst holds nothing but the transport's promise while BullMQ adds it (measured: less to scavenge).
    return transport.add(definition, undefined, args, definition.options, NO_EXTRAS);
  }

  /** {@link startRemote} with options, a caller-chosen id, a gate or an observer of `events$`. */
  private async startRemoteWith(
    transport: JobTransport,
    definition: JobDefinition,
    options: StartOptions,
    args: readonly unknown[],
    gate?: JobGate,
  ): Promise<string> {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, 'an object');
    const { extras, rest } = splitStartOptions(options, true);
    // Unchanged options are the definition's own object: the transport then leaves them out of the job's data.
    const jobOptions = Object.keys(rest).length === 0 ? definition.options : resolveJobOptions(rest, definition.options);
    const name = definition.name;
    if (extras.jobId !== undefined && (await transport.has(name, extras.jobId))) {
      gate?.abandon();
      return extras.jobId;
    }
    const enqueuedAt = Date.now();
    let id: string;
    if (gate) {
      // Known before BullMQ holds the job (which is after the commit): one of ours, not BullMQ's number.
      id = extras.jobId ?? newJobId();
      const add = (): Promise<unknown> => transport.add(definition, id, args, jobOptions, extras);
      await this.startGatedRemote(gate, { id, name, state: 'queued', progress: { value: -1, data: null }, attempts: 0, enqueuedAt }, add);
    } else {
      // When it fails, nothing of the job is left anywhere, and the caller learns why.
      id = await transport.add(definition, extras.jobId, args, jobOptions, extras);
    }
    if (this.bus.observed) this.bus.publish({ type: 'queued', id, name, at: enqueuedAt });
    return id;
  }

  /**
   * {@link startRemote} behind the caller's transaction: held in the tracker
   * as queued until it commits, then added to the queue, whose record
   * replaces the tracker's.
   */
  private async startGatedRemote(gate: JobGate, status: JobStatus, add: () => Promise<unknown>): Promise<void> {
    const id = status.id;
    try {
      await Promise.all([this.tracker.track(id), this.statuses.saveStatus(status)]);
    } catch (error) {
      await this.trackerCalls.call('remove', id, () => this.tracker.remove(id));
      throw error;
    }
    gate.attach(
      id,
      () =>
        void add().then(
          // Forgotten once BullMQ holds the job: a queued status left here would outlive BullMQ's record of it.
          async () => {
            await this.trackerCalls.call('saveStatus', id, () => this.statuses.saveStatus(status, 0));
            await this.trackerCalls.call('remove', id, () => this.tracker.remove(id));
          },
          (error: unknown) => this.dropRemote(status, 'failed', error),
        ),
      (reason) => this.dropRemote(status, 'cancelled', reason),
    );
  }

  /** Records the final state of a job that never ran in this process. */
  private async dropRemote(status: JobStatus, state: FinalJobState, error: unknown, retention = this.options.retention): Promise<void> {
    const final: JobStatus = { ...status, state, finishedAt: Date.now(), error: toJobError(error) };
    await this.trackerCalls.call('saveStatus', status.id, () => this.statuses.saveStatus(final, retention));
    await this.trackerCalls.call('remove', status.id, () => this.tracker.remove(status.id));
    if (this.bus.observed) this.bus.publish(finalEvent(final));
  }

  /** {@link cancel} of a job that does not run in this process, through the transport. */
  private async cancelRemote(transport: JobTransport, id: string): Promise<boolean> {
    const status = await this.getStatus(id);
    if (status && isFinal(status)) return false;
    const outcome = await transport.cancel(id, status?.name);
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
      await this.dropRemote(base, 'cancelled', new JobCancelledError(id, 'cancelled'));
      return true;
    }
    let final: JobStatus;
    try {
      final = await this.waitFor(id, { timeout: transport.cancelTimeout });
    } catch {
      return false;
    }
    // The other process removes the progress key just after the status; once final, it may go from here too.
    await this.trackerCalls.call('remove', id, () => this.tracker.remove(id));
    return final.state === 'cancelled';
  }

  /** The service as its transport sees it. */
  private transportHost(): TransportHost {
    return {
      jobNamed: (name) => this.registry.getByName(name),
      runDelivered: (job) => this.runDelivered(job),
      cancelLocal: (id) => (this.records.has(id) ? this.cancel(id) : Promise.resolve(false)),
      acknowledged: (id) => void this.acking.delete(id),
      failUndeliverable: (id, name, enqueuedAt, error) =>
        this.dropRemote({ id, name, state: 'queued', progress: { value: -1, data: null }, attempts: 1, enqueuedAt }, 'failed', error),
    };
  }

  /**
   * One attempt of a job the queue delivered, through the same machinery as
   * a local job's (context, timeout, signal, transaction). The queue owns
   * retries: a failure with attempts left is handed back. BullMQ's job hash
   * records its state, so the tracker is written only for the ends BullMQ
   * cannot tell: failed (with the full error) and cancelled.
   */
  private runDelivered(job: DeliveredJob): DeliveryOutcome | Promise<DeliveryOutcome> {
    const record = new JobRecord(job.id, job.name, job.fn, job.args, job.options);
    record.synchronous = job.synchronous;
    record.enqueuedAt = job.enqueuedAt;
    record.external = true;
    record.attempts = job.attempt;
    this.acking.delete(job.id);
    this.records.add(record);
    this.setState(record, 'running');
    record.startedAt = Date.now();
    if (this.bus.isFollowed(record.id)) {
      this.bus.publish({ type: 'started', id: record.id, name: record.name, at: record.startedAt, attempt: record.attempts });
    }
    const ran = this.runner.run(record, record.attempts);
    // A function that returned at once is settled before anything awaits: the store's hooks are off
    // before BullMQ's and ioredis' next promises are made, and the attempt makes no promise of its own.
    return isThenable(ran) ? ran.then((outcome) => this.deliveryEnded(record, job, outcome)) : this.deliveryEnded(record, job, ran);
  }

  private deliveryEnded(record: JobRecord, job: DeliveredJob, outcome: AttemptOutcome): DeliveryOutcome | Promise<DeliveryOutcome> {
    this.runner.releaseStorage();
    record.context = undefined;
    if (!record.is('running')) return this.afterHalt(record);
    if (outcome.ok) {
      const finishing = this.finish(record, 'completed', outcome);
      return finishing ? finishing.then(() => completedDelivery(record)) : completedDelivery(record);
    }
    this.logger.error(
      `Exception in async job ${record.id} (${record.name}), attempt ${record.attempts} of ${record.options.attempts}: ${toJobError(outcome.error).message}`,
      stackOf(outcome.error),
    );
    if (job.retryLeft) {
      this.setState(record, 'queued');
      this.handBack(record);
      if (this.bus.isFollowed(record.id)) {
        const delay = backoffDelay(record.options.backoff, record.attempts);
        this.bus.publish({
          type: 'retrying',
          id: record.id,
          name: record.name,
          at: Date.now(),
          attempt: record.attempts + 1,
          delay,
          error: toJobError(outcome.error),
        });
      }
      return { kind: 'retry', error: outcome.error };
    }
    const failed: DeliveryOutcome = { kind: 'failed', error: outcome.error };
    const finishing = this.finish(record, 'failed', outcome);
    return finishing ? finishing.then(() => failed) : failed;
  }

  /** A delivered job taken off by shutdown (state `queued`: back to the queue) or by cancel (recorded by it). */
  private afterHalt(record: JobRecord): DeliveryOutcome | Promise<DeliveryOutcome> {
    if (!record.is('queued')) {
      // Readers ask BullMQ first, then the tracker: `cancelled` must be there before BullMQ says `failed`.
      const recording = this.cancelling.get(record.id);
      return recording ? recording.then(() => CANCELLED) : CANCELLED;
    }
    this.handBack(record);
    return REQUEUED;
  }

  /** A delivered job leaves this process still queued; BullMQ's record of it says so from now on. */
  private handBack(record: JobRecord): void {
    this.records.delete(record);
    this.notifyIfIdle();
  }

  /**
   * With a `gate`, the tracked job waits for it rather than entering the
   * queue. Answers the id at once when the tracker answers at once (the
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
    if (!this.accepting) throw new ShuttingDownError();
    if (this.records.size - this.running >= this.options.maxQueued) throw new QueueFullError(this.options.maxQueued);
    const record = new JobRecord(newJobId(), name, fn, args, options);
    record.synchronous = synchronous;
    this.records.add(record);
    // Tracked before it is queued, so an immediate getProgress never misses it.
    let tracking: unknown;
    try {
      tracking = this.ownTracker ? undefined : this.tracker.track(record.id);
    } catch (error) {
      tracking = Promise.reject(error);
    }
    if (isThenable(tracking) || !this.statusesAreLocal) return this.submitTracked(record, tracking, gate);
    return this.enqueueTracked(record, gate);
  }

  /** {@link submit} once a tracker that answers later has the job. */
  private async submitTracked(record: JobRecord, tracking: unknown, gate: JobGate | undefined): Promise<string> {
    try {
      await tracking;
      if (!this.statusesAreLocal) await this.statuses.saveStatus(record.snapshot());
    } catch (error) {
      this.records.delete(record);
      await this.trackerCalls.call('remove', record.id, () => this.tracker.remove(record.id));
      this.notifyIfIdle();
      throw error;
    }
    return this.enqueueTracked(record, gate);
  }

  private enqueueTracked(record: JobRecord, gate: JobGate | undefined): string {
    const name = record.name;
    // Shutdown may have interrupted it while the tracker was answering.
    if (record.is('queued')) {
      if (this.bus.isFollowed(record.id)) this.bus.publish({ type: 'queued', id: record.id, name, at: record.enqueuedAt });
      if (gate)
        gate.attach(
          record.id,
          () => this.enqueueGated(record),
          (reason) => this.dropGated(record, reason),
        );
      else this.worker.enqueue(record);
    } else {
      gate?.abandon();
    }
    return record.id;
  }

  /** A job held back by a gate (its transaction committed) enters the queue. */
  private enqueueGated(record: JobRecord): void {
    if (record.is('queued')) this.worker.enqueue(record);
  }

  /** A job held back by a gate (its transaction rolled back) never runs. */
  private async dropGated(record: JobRecord, reason: Error): Promise<void> {
    if (!record.isFinal) await this.finish(record, 'cancelled', { ok: false, error: reason });
  }

  /**
   * One attempt, from `running` to its outcome recorded. Each step goes on
   * synchronously when the one before could (memory tracker, synchronous
   * job), so a trivial job costs no promise here.
   */
  private runAttempt(record: JobRecord): Promise<void> | void {
    if (record.state !== 'queued') return;
    this.setState(record, 'running');
    record.attempts++;
    record.startedAt = Date.now();
    const saving = this.saveStatus(record);
    if (saving) return saving.then(() => this.runStarted(record));
    return this.runStarted(record);
  }

  private runStarted(record: JobRecord): Promise<void> | void {
    if (!record.is('running')) return;
    if (this.bus.isFollowed(record.id)) {
      this.bus.publish({ type: 'started', id: record.id, name: record.name, at: record.startedAt!, attempt: record.attempts });
    }
    const outcome = this.runner.run(record, record.attempts);
    if (isThenable(outcome)) return outcome.then((settled) => this.attemptEnded(record, settled));
    return this.attemptEnded(record, outcome);
  }

  private attemptEnded(record: JobRecord, outcome: AttemptOutcome): Promise<void> | void {
    record.context = undefined;
    // Cancelled or interrupted while it ran: already recorded.
    if (!record.is('running')) return;
    if (outcome.ok) return this.finish(record, 'completed', outcome);
    const { attempts } = record.options;
    this.logger.error(
      `Exception in async job ${record.id} (${record.name}), attempt ${record.attempts} of ${attempts}: ${toJobError(outcome.error).message}`,
      stackOf(outcome.error),
    );
    if (record.attempts < attempts) return this.retryLater(record, toJobError(outcome.error));
    return this.finish(record, 'failed', outcome);
  }

  private async retryLater(record: JobRecord, error: JobError): Promise<void> {
    const delay = backoffDelay(record.options.backoff, record.attempts);
    this.setState(record, 'queued');
    record.progressValue = -1;
    record.progressJson = null;
    if (!this.ownTracker) await this.trackerCalls.call('setProgress', record.id, () => this.tracker.setProgress(record.id, -1, null));
    await this.saveStatus(record);
    if (!record.is('queued')) return;
    if (this.bus.isFollowed(record.id)) {
      this.bus.publish({ type: 'retrying', id: record.id, name: record.name, at: Date.now(), attempt: record.attempts + 1, delay, error });
    }
    record.retryTimer = setTimeout(() => {
      record.retryTimer = undefined;
      if (record.is('queued')) this.worker.enqueue(record);
    }, delay);
  }

  /** Takes a job off the worker: out of the backlog, its retry timer cleared, its attempt aborted. */
  private halt(record: JobRecord, reason: Error): void {
    this.worker.remove(record);
    if (record.retryTimer) clearTimeout(record.retryTimer);
    record.retryTimer = undefined;
    record.context?.abort(reason);
  }

  /**
   * Records a final state: the status first, then the tracker entry removed,
   * so `getProgress` answers `null` only once everything about the job is
   * settled.
   */
  private finish(record: JobRecord, state: FinalJobState, outcome: AttemptOutcome): Promise<void> | void {
    this.setState(record, state);
    // A running attempt (cancel, shutdown) ends its transaction first: rolled back and released.
    const attempt = record.context;
    if (attempt) return attempt.done.then(() => this.recordFinal(record, outcome));
    return this.recordFinal(record, outcome);
  }

  private recordFinal(record: JobRecord, outcome: AttemptOutcome): Promise<void> | void {
    record.finishedAt = Date.now();
    if (outcome.ok) record.result = this.storableResult(record, outcome.value);
    else record.error = toJobError(outcome.error);
    if (this.ownTracker) {
      // It keeps the record's fields: no snapshot needed, nor a tracker entry to remove.
      this.ownTracker[RETAIN_FINISHED](record, this.options.retention);
      return this.forgetFinal(record);
    }
    // BullMQ records a named job's completion itself (with its result and progress).
    if (record.external && outcome.ok) return this.forgetFinal(record);
    const status = record.snapshot();
    const saving = this.trackerCalls.call('saveStatus', record.id, () => this.statuses.saveStatus(status, this.options.retention));
    if (saving) return saving.then(() => this.untrackFinal(record, status));
    return this.untrackFinal(record, status);
  }

  private untrackFinal(record: JobRecord, status: JobStatus): Promise<void> | void {
    const removing = this.trackerCalls.call('remove', record.id, () => this.tracker.remove(record.id));
    if (removing) return removing.then(() => this.forgetFinal(record, status));
    this.forgetFinal(record, status);
  }

  /** The job is settled everywhere: followers learn its final state, and `drain` may resolve. */
  private forgetFinal(record: JobRecord, status?: JobStatus): void {
    this.records.delete(record);
    if (record.external) this.keepUntilAcknowledged(record);
    if (this.bus.isFollowed(record.id)) this.bus.publish(finalEvent(status ?? record.snapshot()));
    this.bus.end(record.id);
    this.notifyIfIdle();
  }

  private keepUntilAcknowledged(record: JobRecord): void {
    this.acking.set(record.id, record);
    // Bounded, should BullMQ never confirm (Redis away, then the job stalled and ran elsewhere).
    if (this.acking.size > MAX_ACKING) this.acking.delete(this.acking.keys().next().value as string);
  }

  private setState(record: JobRecord, state: JobState): void {
    if (record.state === 'running') this.running--;
    if (state === 'running') this.running++;
    record.state = state;
  }

  private storableResult(record: JobRecord, value: unknown): unknown {
    if (value === undefined || value === null) return undefined;
    if (isJsonScalar(value)) return value;
    try {
      return parseJson(toJson(value, 'the job result'));
    } catch (error) {
      this.logger.warn(`Job ${record.id} (${record.name}) completed, but its result is not kept: ${(error as Error).message}`);
      return undefined;
    }
  }

  private saveStatus(record: JobRecord): Promise<void> | undefined {
    // A process-local store needs no copy of an active status: getStatus reads this process's records first.
    if (this.statusesAreLocal) return undefined;
    return this.trackerCalls.call('saveStatus', record.id, () => this.statuses.saveStatus(record.snapshot()));
  }

  private notifyIfIdle(): void {
    if (this.records.size > 0) return;
    this.runner.releaseStorage();
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

const UNKNOWN_ERROR: JobError = { name: 'Error', message: 'unknown error' };

function completedDelivery(record: JobRecord): DeliveryOutcome {
  return { kind: 'completed', result: record.result };
}

function finalEvent(status: JobStatus): JobEvent {
  const base = { id: status.id, name: status.name, at: status.finishedAt ?? Date.now() };
  const error = status.error ?? UNKNOWN_ERROR;
  switch (status.state) {
    case 'completed':
      return { ...base, type: 'completed', result: status.result };
    case 'failed':
      return { ...base, type: 'failed', error };
    case 'cancelled':
      return { ...base, type: 'cancelled', error };
    default:
      return { ...base, type: 'interrupted', error };
  }
}

function copyProgress(progress: JobProgress): JobProgress {
  const data = progress.data;
  return { value: progress.value, data: typeof data === 'object' && data !== null ? structuredClone(data) : (data ?? null) };
}

function sameProgress(a: JobProgress, b: JobProgress): boolean {
  return a.value === b.value && JSON.stringify(a.data) === JSON.stringify(b.data);
}

function assertJobId(id: unknown, method: string): asserts id is string {
  if (typeof id !== 'string') {
    throw new InvalidArgumentError(
      `AsyncJobService.${method} id`,
      id,
      INVALID_ARGUMENT(`AsyncJobService.${method}`, 'a job id string', id),
    );
  }
}
