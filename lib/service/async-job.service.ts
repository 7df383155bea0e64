import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { PROGRESS_TRACKER } from '../async-job.constants.js';
import { RESOLVED_OPTIONS } from '../async-job.internal-constants.js';
import type { ResolvedModuleOptions } from '../async-job-options.types.js';
import { JobRegistry } from '../async-job.registry.js';
import { AttemptLifecycle } from '../attempt/attempt-lifecycle.js';
import { JobEventBus } from '../events/job-event-bus.js';
import type { JobEvent } from '../interfaces/job-event.interface.js';
import type { JobMethodArgs, JobMethodName } from '../interfaces/job-method.types.js';
import type { PerformOptions } from '../interfaces/job-options.interface.js';
import type { JobProgress, JobStatus } from '../interfaces/job-status.interface.js';
import type { RunningJob } from '../interfaces/running-job.interface.js';
import type { StartOptions } from '../interfaces/start-options.interface.js';
import type { TimedQueryOptions } from '../interfaces/timed-query-options.interface.js';
import type { JobEntityManager, JobQueryRunner, TransactionHandle } from '../interfaces/typeorm-types.interface.js';
import type { WaitOptions } from '../interfaces/wait-options.interface.js';
import { createStatusStores } from '../progress/create-status-sink.js';
import { isJobChangeFeed } from '../progress/job-change-feed.interface.js';
import { isJobStatusStore, type ProgressTracker } from '../progress/progress-tracker.interface.js';
import { Acknowledgements } from '../transport/acknowledgements.js';
import { DeliveredJobs } from '../transport/delivered-jobs.js';
import type { JobTransport } from '../transport/job-transport.interface.js';
import { LocalQueue } from '../transport/local-queue.js';
import { LocalTransport } from '../transport/local-transport.js';
import { RemoteJobs } from '../transport/remote-jobs.js';
import { JobTransactions } from '../typeorm/job-transactions.js';
import { NO_OPTIONS } from '../utils/no-options.js';
import { JobBook } from '../worker/job-book.js';
import { JobRunner } from '../worker/job-runner.js';
import { InJobApi } from './in-job-api.js';
import { JobControl } from './job-control.js';
import { DistributedJobReader, JobReader } from './job-reader.js';
import { JobSubmission } from './job-submission.js';
import { JobWatcher } from './job-watcher.js';
import { JobsOrchestrator } from './jobs-orchestrator.js';

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
  private readonly submission: JobSubmission;
  private readonly reader: JobReader;
  private readonly watcher: JobWatcher;
  private readonly control: JobControl;
  private readonly inJob: InJobApi;
  private readonly orchestrator: JobsOrchestrator;

  /**
   * Lifecycle events (queued, started, progress, retrying, completed,
   * failed, cancelled, interrupted) of the jobs this process runs.
   * Completes at shutdown.
   */
  readonly events$: Observable<JobEvent>;

  /** @internal Built by Nest's injector: the module's parts, each chosen once for its options. */
  constructor(
    @Inject(RESOLVED_OPTIONS) options: ResolvedModuleOptions,
    @Inject(PROGRESS_TRACKER) tracker: ProgressTracker,
    registry: JobRegistry,
    book: JobBook,
  ) {
    const logger = new Logger('AsyncJob');
    const bus = new JobEventBus();
    this.events$ = bus.events$;
    const { sink, statuses } = createStatusStores(tracker, options, logger);
    let runner: JobRunner | undefined;
    const transactions = options.dataSource
      ? new JobTransactions(options.dataSource, () => runner?.current(), logger, options.defaultJobOptions.transaction)
      : undefined;
    runner = new JobRunner(transactions);
    const jobRunner = runner;
    book.onIdle(() => jobRunner.releaseStorage());
    const acks = new Acknowledgements();
    const lifecycle = new AttemptLifecycle(jobRunner, book, sink, bus, acks, logger);
    const local = new LocalQueue(options.concurrency, options.paused, lifecycle, book, sink);
    const localEngine = new LocalTransport(local, options.maxQueued, lifecycle, book, sink, bus);
    const queue = options.transport;
    const transport: JobTransport = queue ?? localEngine;
    const remote = new RemoteJobs(registry, sink, bus, acks, options.retention);
    this.submission = new JobSubmission(options, registry, localEngine, transport);
    this.reader = queue
      ? new DistributedJobReader(book, acks, tracker, statuses, transport)
      : new JobReader(book, acks, tracker, statuses, transport);
    const trackerFeed = isJobChangeFeed(tracker) && isJobStatusStore(tracker) ? [tracker] : [];
    this.orchestrator = new JobsOrchestrator(
      options.shutdownTimeout,
      this.submission,
      book,
      local,
      lifecycle,
      bus,
      logger,
      transport,
      localEngine,
    );
    this.watcher = new JobWatcher(
      book,
      this.reader,
      transport.feed ? [...trackerFeed, transport.feed] : trackerFeed,
      bus,
      this.orchestrator.stopped,
    );
    this.control = new JobControl(book, local, lifecycle, acks, this.submission, this.reader, this.watcher, sink, transport, remote);
    this.inJob = new InJobApi(jobRunner, transactions, sink, bus, this.orchestrator.stopped);
    const delivered = new DeliveredJobs(lifecycle, book, acks, jobRunner, transport);
    transport.attach(
      remote.host(delivered, (id) => this.control.cancelLocal(id), options.dataSource),
      options.concurrency,
    );
  }

  /** With a queue transport and the worker role, starts taking jobs once every `@AsyncJob` is registered. */
  onApplicationBootstrap(): Promise<void> {
    return this.orchestrator.bootstrap();
  }

  /**
   * Schedules `fn(...args)` to run in the background and resolves to the new
   * job's id as soon as it is tracked (before it runs). `fn` may be sync or
   * async. Rejects with an `InvalidArgumentError` when `fn` is not a function, a
   * `ShuttingDownError` once shutdown has begun, a `QueueFullError` past
   * `maxQueued`, or the tracker's error when the job cannot be tracked.
   */
  perform<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): Promise<string> {
    return this.submission.perform(NO_OPTIONS, fn, args);
  }

  /** {@link perform} with per-job options: name, timeout, attempts, backoff, transaction. */
  performWith<A extends unknown[]>(options: PerformOptions, fn: (...args: A) => unknown, ...args: A): Promise<string> {
    return this.submission.perform(options, fn, args);
  }

  /**
   * Starts the `@AsyncJob` method `method` of provider class `type` in the
   * background, with `args` checked against the method's parameters, and
   * resolves to the job id. Rejects with a `JobNotRegisteredError` when the
   * method is not a discovered `@AsyncJob`.
   */
  start<T, K extends JobMethodName<T>>(type: Type<T>, method: K, ...args: JobMethodArgs<T, K>): Promise<string> {
    return this.submission.start(NO_OPTIONS, type, method, args);
  }

  /**
   * {@link start} with per-call options over the decorator's. With the BullMQ
   * transport also `delay`, `priority` and `jobId` (deduplication).
   */
  startWith<T, K extends JobMethodName<T>>(options: StartOptions, type: Type<T>, method: K, ...args: JobMethodArgs<T, K>): Promise<string> {
    return this.submission.start(options, type, method, args);
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
    return this.submission.performAfterCommit(trx, {}, fn, args);
  }

  /** {@link performAfterCommit} with per-job options. */
  performAfterCommitWith<A extends unknown[]>(
    trx: TransactionHandle,
    options: PerformOptions,
    fn: (...args: A) => unknown,
    ...args: A
  ): Promise<string> {
    return this.submission.performAfterCommit(trx, options, fn, args);
  }

  /** {@link start} an `@AsyncJob` method once the transaction of `trx` commits, as {@link performAfterCommit} does. */
  startAfterCommit<T, K extends JobMethodName<T>>(
    trx: TransactionHandle,
    type: Type<T>,
    method: K,
    ...args: JobMethodArgs<T, K>
  ): Promise<string> {
    return this.submission.startAfterCommit(trx, {}, type, method, args);
  }

  /** {@link startAfterCommit} with per-call options over the decorator's. */
  startAfterCommitWith<T, K extends JobMethodName<T>>(
    trx: TransactionHandle,
    options: StartOptions,
    type: Type<T>,
    method: K,
    ...args: JobMethodArgs<T, K>
  ): Promise<string> {
    return this.submission.startAfterCommit(trx, options, type, method, args);
  }

  /**
   * Starts the `@AsyncJob` method `method` of provider class `type` inside
   * the caller's transaction `trx` (its QueryRunner, or the EntityManager
   * bound to it): the job is written in that transaction, so it exists if
   * and only if the transaction commits, and no worker can take it before.
   * Resolves to the job's id at once (readable from every process once the
   * transaction has committed). Needs a transport that keeps its queue in
   * the transaction's database (the pg-boss transport): otherwise rejects
   * with an `EnqueueInTransactionError` (`unsupported`, `not-postgres` or
   * `other-database`); with a `NoTransactionError` when `trx` is not inside
   * an active transaction. Arguments must be JSON-serialisable.
   */
  startIn<T, K extends JobMethodName<T>>(trx: TransactionHandle, type: Type<T>, method: K, ...args: JobMethodArgs<T, K>): Promise<string> {
    return this.submission.startIn(trx, NO_OPTIONS, type, method, args);
  }

  /** {@link startIn} with per-call options over the decorator's (`delay`, `priority`, `jobId` too). */
  startInWith<T, K extends JobMethodName<T>>(
    trx: TransactionHandle,
    options: StartOptions,
    type: Type<T>,
    method: K,
    ...args: JobMethodArgs<T, K>
  ): Promise<string> {
    return this.submission.startIn(trx, options, type, method, args);
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
    return this.inJob.entityManager();
  }

  /**
   * The running job's QueryRunner, inside its transaction (see
   * {@link entityManager}): for raw SQL or savepoints. The module commits,
   * rolls back and releases it; do not.
   */
  queryRunner(): Promise<JobQueryRunner> {
    return this.inJob.queryRunner();
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
    return this.inJob.timedQuery(query, options);
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
    return this.inJob.setProgress(value, data);
  }

  /**
   * The job's progress in its simplest form: `{ value: -1, data: null }` while queued
   * or before its first `setProgress`, `{ value, data }` after, and `null`
   * once it has finished (its transaction settled) or when the id is unknown.
   * Returns a copy.
   */
  getProgress(id: string): Promise<JobProgress | null> {
    return this.reader.getProgress(id);
  }

  /**
   * Everything known about a job, or `null` for an id that is unknown (never
   * created, or finished longer ago than `retention`). Unlike `getProgress`,
   * a finished job is reported with its final state, result or error.
   */
  getStatus(id: string): Promise<JobStatus | null> {
    return this.reader.getStatus(id);
  }

  /** The id of the job this code runs in, or `undefined` outside a job. */
  currentJobId(): string | undefined {
    return this.inJob.current()?.id;
  }

  /** The job this code runs in (id, name, attempt, `AbortSignal`), or `undefined` outside a job. */
  currentJob(): RunningJob | undefined {
    return this.inJob.current();
  }

  /**
   * Resolves with the job's final status (completed, failed, cancelled or
   * interrupted: it does not reject when the job fails). Rejects with a
   * `JobNotFoundError` for an unknown id, a `WaitTimeoutError` when
   * `timeout` ms pass first, and a `ShuttingDownError` when this module shuts
   * down while the job (of another process) has not ended.
   */
  waitFor(id: string, options: WaitOptions = {}): Promise<JobStatus> {
    return this.watcher.waitFor(id, options);
  }

  /**
   * The job's progress as it changes, starting with the current value.
   * Completes when the job completes; errors with a `JobFailedError` when it
   * fails, a `JobCancelledError` when it is cancelled or interrupted, and a
   * `JobNotFoundError` when the id is unknown (a `ShuttingDownError`, as
   * {@link waitFor}, when this module shuts down first).
   */
  progress$(id: string): Observable<JobProgress> {
    return this.watcher.progress$(id);
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
  cancel(id: string): Promise<boolean> {
    return this.control.cancel(id);
  }

  /** Resolves when this process has no job queued, running or waiting to retry. */
  drain(): Promise<void> {
    return this.control.drain();
  }

  /** Stops starting jobs; running ones go on, new ones queue up. */
  pause(): void {
    this.control.pause();
  }

  /** Starts queued jobs again after {@link pause} (or the `paused` option). */
  resume(): void {
    this.control.resume();
  }

  /**
   * How many of this process's jobs wait and run now, whether the worker is
   * paused, and whether jobs are accepted (false once shutdown has begun):
   * for health checks and metrics.
   */
  stats(): { readonly queued: number; readonly running: number; readonly paused: boolean; readonly accepting: boolean } {
    return this.control.stats();
  }

  /**
   * Stops accepting jobs, lets queued and running ones finish within
   * `shutdownTimeout`, then aborts the rest and records them as
   * `interrupted` (logging their ids), so no tracker is left showing a
   * ghost job.
   */
  beforeApplicationShutdown(): Promise<void> {
    return this.orchestrator.shutdown();
  }
}
