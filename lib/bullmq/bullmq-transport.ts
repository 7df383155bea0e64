import type { JobStatusStore, ProgressTracker } from '../progress/progress-tracker.interface.js';
import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import { TransportNotStartedError } from '../errors/transport-not-started.error.js';
import type { JobStatus } from '../interfaces/job-status.interface.js';
import type { AsyncJobTransport } from '../interfaces/async-job-transport.interface.js';
import type { JobDefinition } from '../job-definition.types.js';
import type { RemoteCancel } from '../transport/job-transport.interface.js';
import { NO_EXTRAS, START_EXTRA_NAMES, type StartExtraName, type StartExtras } from '../transport/start-extras.js';
import type { TransportHost } from '../transport/transport-host.interface.js';
import { newJobId } from '../utils/job-id.js';
import { assertJsonArgs } from '../utils/json.js';
import type { JobGate } from '../worker/job-gate.js';
import { settlesWithin } from '../utils/settles-within.js';
import type { BullMqBackend } from './bullmq-backend.interface.js';
import { readStatus } from './bullmq-job-status.js';
import { resolveBullMqOptions, type BullMqSettings } from './bullmq-options.js';
import type { BullMqTransportOptions } from './bullmq-transport-options.interface.js';
import type { CancelChannel } from './cancel-channel.interface.js';
import { Delivery } from './delivery.js';
import { ThrottledErrorLog } from '../shared/throttled-error-log.js';
import { Lanes } from './lanes.js';
import { loadBullMq } from './load-bullmq.js';
import { PostgresBackend } from './postgres-backend.js';
import { QueueEventFeed } from './queue-event-feed.js';
import { RedisBackend } from './redis-backend.js';
import { cancelInQueues } from './remote-cancel.js';

/** Longest wait for BullMQ's workers and queues to close at shutdown, in ms, once the jobs are done. */
const CLOSE_TIMEOUT = 5000;
/** BullMQ takes every start extra: delay, priority and a caller-chosen id. */
const TAKES_ALL_EXTRAS: ReadonlySet<StartExtraName> = new Set(START_EXTRA_NAMES);
const ONE_PER_MODULE = 'a BullMqTransport of its own (one serves one AsyncJobModule: create one per module)';

/**
 * Runs the app's named jobs (`@AsyncJob` methods started with `start()`)
 * through BullMQ, on Redis or on BullMQ's PostgreSQL backend, so they
 * survive restarts and spread over every process with the worker role:
 *
 * ```ts
 * AsyncJobModule.forRoot({
 *   transport: new BullMqTransport({ connection: { host: 'redis' }, worker: process.env.ROLE === 'worker' }),
 *   // or, with no Redis: connection: { postgres: process.env.DATABASE_URL, schema: 'bullmq' }
 * })
 * ```
 *
 * Guarantees: at least once. A job whose worker dies is run again by another
 * (BullMQ's stalled-job recovery, after `lockDuration`); its database work
 * through `entityManager()` was never committed, so it is rolled back, but
 * side effects outside that transaction may happen twice: make jobs
 * idempotent. `perform(closure)` still runs in the calling process.
 *
 * On PostgreSQL as on Redis, a job is added outside the caller's
 * transaction (`startAfterCommit` adds it once the caller commits), and
 * BullMQ records its completion apart from the job's own transaction:
 * docs/postgres.md compares it with pg-boss mode.
 *
 * bullmq (and pg, on PostgreSQL), optional peer dependencies, are loaded
 * only when the module starts with this transport. Build it with
 * `forRootAsync` to read the settings from configuration. One instance
 * serves one module.
 *
 * @publicApi
 */
// It is a JobTransport too (test/unit/transport-contract.spec.ts checks it): that contract's members are
// internal, stripped from the published declarations, so the class cannot name it here.
// It only composes: each piece it holds has one responsibility and a file of its own in lib/bullmq.
export class BullMqTransport implements AsyncJobTransport {
  /** The main queue's name. */
  readonly queueName: string;
  /** BullMQ's key prefix on Redis; `undefined` on PostgreSQL. */
  readonly prefix: string | undefined;
  /** The PostgreSQL schema of BullMQ's tables; `undefined` on Redis. */
  readonly schema: string | undefined;
  /** Whether this process runs jobs (false: enqueue-only). */
  readonly runsJobs: boolean;
  /** How long `cancel()` waits for another process to confirm, in ms. */
  readonly cancelTimeout: number;
  /** The start options it takes: all of `delay`, `priority` and `jobId`. @internal */
  readonly startExtras = TAKES_ALL_EXTRAS;
  /**
   * Tells when a named job may have changed, from BullMQ's event stream; for
   * `waitFor` and `progress$` of a job that runs in another process. @internal
   */
  readonly feed: QueueEventFeed;
  private readonly settings: BullMqSettings;
  private readonly log = new ThrottledErrorLog('BullMQ', 'AsyncJob:BullMQ');
  /** Redis or PostgreSQL, chosen once from the `connection` option. */
  private readonly backend: BullMqBackend;
  private readonly cancels: CancelChannel;
  /** The queues, once a module attaches the transport. */
  private lanes: Lanes | undefined;
  private host: TransportHost | undefined;
  private delivery: Delivery | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: BullMqTransportOptions) {
    const settings = resolveBullMqOptions(options);
    const { backend } = settings;
    this.settings = settings;
    this.queueName = settings.queueName;
    this.prefix = backend.store === 'redis' ? backend.prefix : undefined;
    this.schema = backend.store === 'postgres' ? backend.schema : undefined;
    this.runsJobs = settings.runsJobs;
    this.cancelTimeout = settings.cancelTimeout;
    this.backend =
      backend.store === 'postgres' ? new PostgresBackend(backend, this.log.report) : new RedisBackend(backend, this.log.report);
    this.cancels = this.backend.cancels;
    this.feed = new QueueEventFeed(settings.queueNames, this.backend, this.log.report);
  }

  /**
   * The module's tracker when none is given: on BullMQ's own store (a
   * RedisProgressTracker beside its keys, or a PostgresProgressTracker
   * beside its schema), so every process shares the statuses. @internal
   */
  createTracker(): ProgressTracker & JobStatusStore {
    return this.backend.createTracker();
  }

  /** Binds the transport to its module's service and opens the queues. @internal */
  attach(host: TransportHost, moduleConcurrency: number): void {
    if (this.lanes) throw new InvalidOptionError('transport', this, ONE_PER_MODULE);
    const bull = loadBullMq();
    this.lanes = new Lanes(this.backend, this.settings, moduleConcurrency, this.log.report);
    this.host = host;
    this.delivery = new Delivery(host, bull, this.log.report);
  }

  /**
   * Checks the store (on PostgreSQL: connects, and migrates BullMQ's schema),
   * then starts this process's BullMQ workers (worker role), once every
   * `@AsyncJob` is registered. @internal
   */
  async startWorkers(): Promise<void> {
    const { lanes, delivery } = this;
    if (!lanes || !delivery) return;
    await this.backend.prepare(lanes.queues);
    if (!this.runsJobs) return;
    await Promise.all([lanes.startWorkers(delivery), this.cancels.subscribe((id) => delivery.cancel(id))]);
  }

  /**
   * Adds a job (`args` checked JSON-serialisable), batched with the others of
   * its tick by its lane. Its queue job is its record, so `getProgress`
   * answers `{ value: -1, data: null }` as soon as this resolves. @internal
   */
  add(
    job: JobDefinition,
    args: readonly unknown[],
    options: ResolvedJobOptions,
    extras: StartExtras,
    gate: JobGate | undefined,
  ): Promise<string> {
    const { lanes, host } = this;
    if (!lanes || !host) return Promise.reject(new TransportNotStartedError());
    assertJsonArgs(job.name, args);
    // A plain start() of a burst holds nothing but the batcher's promise while the queue adds it (see docs/performance.md).
    if (extras === NO_EXTRAS && !gate && !host.observed) return lanes.laneFor(job.name).adds.add(job, undefined, args, options, extras);
    return this.addWith(lanes, host, job, args, options, extras, gate);
  }

  /** The status of job `id` as BullMQ records it, from whichever queue holds it; `null` when none does. @internal */
  async status(id: string): Promise<JobStatus | null> {
    return this.lanes ? readStatus(this.lanes.queues, id) : null;
  }

  /** Progress of a job running in this process, for BullMQ's job hash (and so for every process). @internal */
  reportProgress(id: string, attempt: number, value: number, data: unknown): void {
    this.delivery?.reportProgress(id, attempt, value, data);
  }

  /** Cancels job `id` on the queue's side: removed if waiting, signalled to its process if active. @internal */
  async cancel(id: string, name: string | undefined): Promise<RemoteCancel> {
    return cancelInQueues(this.started().queuesFor(name), id, this.cancels.publish);
  }

  /** Stops taking new jobs (worker role); running ones go on. @internal */
  async pause(): Promise<void> {
    await this.lanes?.pause();
  }

  /** Closes what the transport opened, once the jobs running here are done; queued jobs stay in the store. @internal */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /** The store being away must not hang shutdown: past the limit the rest is dropped, and said so. */
  private async shutDown(): Promise<void> {
    if (await settlesWithin(this.closeAll(), CLOSE_TIMEOUT)) return;
    this.log.warn(`BullMQ connections did not close within ${CLOSE_TIMEOUT} ms (is ${this.backend.store} reachable?); disconnecting them`);
    this.cancels.disconnect();
    this.lanes?.forceCloseWorkers();
  }

  /** {@link add} with a caller-chosen id, a gate (held until the caller's transaction commits) or an observer of `events$`. */
  private async addWith(
    lanes: Lanes,
    host: TransportHost,
    job: JobDefinition,
    args: readonly unknown[],
    options: ResolvedJobOptions,
    extras: StartExtras,
    gate: JobGate | undefined,
  ): Promise<string> {
    const { name } = job;
    const lane = lanes.laneFor(name);
    // A caller-chosen id that BullMQ still holds (any state) is a duplicate: the start is that job.
    if (extras.jobId !== undefined && (await lane.queue.getJob(extras.jobId)) !== undefined) {
      gate?.abandon();
      return extras.jobId;
    }
    const enqueuedAt = Date.now();
    let id: string;
    if (gate) {
      // Known before the queue holds the job (which is after the commit): one of ours, not the queue's number.
      const held = extras.jobId ?? newJobId();
      id = held;
      const status: JobStatus = { id, name, state: 'queued', progress: { value: -1, data: null }, attempts: 0, enqueuedAt };
      await host.holdUntilCommit(gate, status, () => lane.adds.add(job, held, args, options, extras));
    } else {
      // When it fails, nothing of the job is left anywhere, and the caller learns why.
      id = await lane.adds.add(job, extras.jobId, args, options, extras);
    }
    host.queued(id, name, enqueuedAt);
    return id;
  }

  private started(): Lanes {
    if (!this.lanes) throw new TransportNotStartedError();
    return this.lanes;
  }

  /** In this order: no cancel request arrives for a job winding down, and `cancel()` can publish until the end. */
  private async closeAll(): Promise<void> {
    await this.feed.close();
    await this.cancels.unsubscribe();
    await this.lanes?.closeWorkers();
    this.delivery?.stop();
    await this.lanes?.closeQueues();
    await this.cancels.close();
  }
}
