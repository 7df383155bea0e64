import type { ConnectionOptions, Job, KeepJobs, Processor, Queue, Worker } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import { TransportNotStartedError } from '../errors/transport-not-started.error.js';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import { RedisProgressTracker } from '../progress/redis-progress-tracker.js';
import { isRedisClient } from '../shared/redis/open-client.js';
import type { JobStatus } from '../interfaces/job-status.interface.js';
import type { AsyncJobTransport } from '../interfaces/async-job-transport.interface.js';
import type { RemoteCancel } from '../transport/job-transport.interface.js';
import type { StartExtras } from '../transport/start-extras.js';
import type { TransportHost } from '../transport/transport-host.interface.js';
import { statusOfQueueJob } from './bullmq-job-status.js';
import { CancelChannel } from './cancel-channel.js';
import { cancelInQueues } from './remote-cancel.js';
import type { BullMqTransportOptions } from './bullmq-transport-options.interface.js';
import { resolveBullMqOptions } from './bullmq-options.js';
import { loadBullMq, type BullMqModule } from './load-bullmq.js';
import { holdsSecret, parseNumberedId } from './queue-job-id.js';
import { AddBatcher, type NamedJob } from './add-batcher.js';
import type { JobData, QueueJob } from './job-data.js';
import { Delivery } from './delivery.js';
import { ThrottledErrorLog } from './error-log.js';
import { QueueEventFeed } from './queue-event-feed.js';

/** A BullMQ queue, and this process's worker on it (worker role only). */
interface Lane {
  readonly queueName: string;
  /** Per process; the main lane's defaults to the module's `concurrency`. */
  concurrency: number | undefined;
  queue?: Queue;
  worker?: Worker;
  /** Starts of this lane's jobs, batched into its queue. */
  adds?: AddBatcher;
}

/** Longest wait for BullMQ's workers and queues to close at shutdown, in ms, once the jobs are done. */
const CLOSE_TIMEOUT = 5000;

/**
 * Runs the app's named jobs (`@AsyncJob` methods started with `start()`)
 * through BullMQ on Redis, so they survive restarts and spread over every
 * process with the worker role:
 *
 * ```ts
 * AsyncJobModule.forRoot({
 *   transport: new BullMqTransport({ connection: { host: 'redis' }, worker: process.env.ROLE === 'worker' }),
 * })
 * ```
 *
 * Guarantees: at least once. A job whose worker dies is run again by another
 * (BullMQ's stalled-job recovery, after `lockDuration`); its database work
 * through `entityManager()` was never committed, so it is rolled back, but
 * side effects outside that transaction may happen twice: make jobs
 * idempotent. `perform(closure)` still runs in the calling process.
 *
 * bullmq, an optional peer dependency, is loaded only when the module
 * starts with this transport. Build it with `forRootAsync` to read the
 * settings from configuration. One instance serves one module.
 *
 * @publicApi
 */
// It is a JobTransport too (test/unit/transport-contract.spec.ts checks it): that contract's members are
// internal, stripped from the published declarations, so the class cannot name it here.
export class BullMqTransport implements AsyncJobTransport {
  /** The main queue's name. */
  readonly queueName: string;
  /** BullMQ's key prefix. */
  readonly prefix: string;
  /** Whether this process runs jobs (false: enqueue-only). */
  readonly runsJobs: boolean;
  /** How long `cancel()` waits for another process to confirm, in ms. */
  readonly cancelTimeout: number;
  private readonly log = new ThrottledErrorLog();
  private readonly connection: RedisOptions | Redis | string;
  private readonly concurrency: number | undefined;
  private readonly lockDuration: number;
  private readonly stalledInterval: number;
  private readonly maxStalledCount: number;
  /** Applied by the workers as jobs finish, rather than carried in every job's options (`undefined`: keep all). */
  private readonly removeOnComplete: KeepJobs | undefined;
  private readonly removeOnFail: KeepJobs | undefined;
  private readonly main: Lane;
  /** Lanes of job names with a queue of their own. */
  private readonly dedicated = new Map<string, Lane>();
  private host: TransportHost | undefined;
  /** bullmq's exports, once a module with this transport starts. */
  private bull: BullMqModule | undefined;
  /** The jobs BullMQ hands this process, once a module attaches the transport. */
  private delivery: Delivery | undefined;
  private readonly cancels: CancelChannel;
  private closing: Promise<void> | undefined;
  /**
   * Tells when a named job may have changed, from BullMQ's event stream; for
   * `waitFor` and `progress$` of a job that runs in another process. @internal
   */
  readonly feed: QueueEventFeed;

  constructor(options: BullMqTransportOptions) {
    const settings = resolveBullMqOptions(options);
    this.connection = settings.connection;
    this.queueName = settings.queueName;
    this.prefix = settings.prefix;
    this.runsJobs = settings.runsJobs;
    this.concurrency = settings.concurrency;
    this.lockDuration = settings.lockDuration;
    this.stalledInterval = settings.stalledInterval;
    this.maxStalledCount = settings.maxStalledCount;
    this.cancelTimeout = settings.cancelTimeout;
    this.removeOnComplete = settings.removeOnComplete;
    this.removeOnFail = settings.removeOnFail;
    this.main = { queueName: this.queueName, concurrency: this.concurrency };
    for (const { jobName, queueName, concurrency } of settings.dedicated) this.dedicated.set(jobName, { queueName, concurrency });
    this.cancels = new CancelChannel(settings, this.log.report);
    this.feed = new QueueEventFeed({
      queueNames: settings.queueNames,
      prefix: this.prefix,
      connection: () => this.bullConnection(),
      onError: (where, error) => this.log.report(where, error),
    });
  }

  /**
   * A `RedisProgressTracker` on the transport's Redis (same database), its
   * keys under `<prefix>:<queueName>:asyncjob:`: the module's tracker when
   * none is given, so statuses are shared by every process. @internal
   */
  createTracker(): RedisProgressTracker {
    const keyPrefix = `${this.prefix}:${this.queueName}:asyncjob:`;
    const connection = this.connection;
    if (typeof connection === 'string') {
      // BullMQ reads a URL without a database as db 0; the tracker's own default is 15.
      const db = new URL(connection).pathname.replace(/^\//, '');
      return new RedisProgressTracker(db ? { url: connection, keyPrefix } : { url: connection, db: 0, keyPrefix });
    }
    if (isRedisClient(connection)) {
      return new RedisProgressTracker({
        client: connection.duplicate({ enableOfflineQueue: false, maxRetriesPerRequest: 0 }),
        closeClient: true,
        keyPrefix,
      });
    }
    const { keyPrefix: _ignored, ...redisOptions } = connection;
    return new RedisProgressTracker({ redisOptions, db: connection.db ?? 0, keyPrefix });
  }

  /** Binds the transport to its module's service and opens the queues. @internal */
  attach(host: TransportHost, moduleConcurrency: number): void {
    if (this.host)
      throw new InvalidOptionError(
        'transport',
        this,
        'a BullMqTransport of its own (one serves one AsyncJobModule: create one per module)',
      );
    this.host = host;
    this.bull = loadBullMq();
    const { Queue } = this.bull;
    for (const lane of this.lanes()) {
      const queue = new Queue(lane.queueName, {
        connection: this.bullConnection(),
        prefix: this.prefix,
      });
      queue.on('error', (error: Error) => this.log.report(`queue ${lane.queueName}`, error));
      lane.queue = queue;
      lane.adds = new AddBatcher(queue);
    }
    this.delivery = new Delivery(host, this.bull, this.log.report);
    this.main.concurrency ??= moduleConcurrency;
  }

  /**
   * Starts this process's BullMQ workers (worker role), once every
   * `@AsyncJob` is registered. @internal
   */
  async startWorkers(): Promise<void> {
    const delivery = this.delivery;
    if (!this.runsJobs || !delivery) return;
    const { Worker } = loadBullMq();
    for (const lane of this.lanes()) {
      // Two parameters, not three: BullMQ then makes no AbortController per job (cancel comes through our own channel).
      // BullMQ awaits what its processor returns, so a job answered at once is typed as the promise it stands for.
      const processor = ((job: Job, token?: string) => delivery.process(job as QueueJob, token)) as Processor;
      const worker = new Worker(lane.queueName, processor, {
        connection: this.bullConnection(),
        prefix: this.prefix,
        concurrency: lane.concurrency ?? 1,
        lockDuration: this.lockDuration,
        stalledInterval: this.stalledInterval,
        maxStalledCount: this.maxStalledCount,
        // The worker applies these as jobs finish: each job's own options stay smaller (see docs/performance.md).
        ...(this.removeOnComplete === undefined ? {} : { removeOnComplete: this.removeOnComplete }),
        ...(this.removeOnFail === undefined ? {} : { removeOnFail: this.removeOnFail }),
        settings: {
          backoffStrategy: (attemptsMade: number, _type?: string, _error?: Error, job?: { name: string; data: unknown }) =>
            delivery.retryDelay(job, attemptsMade),
        },
      });
      worker.on('error', (error: Error) => this.log.report(`worker ${lane.queueName}`, error));
      worker.on('completed', (job: QueueJob) => delivery.ended(job));
      worker.on('failed', (job: QueueJob | undefined) => delivery.ended(job));
      lane.worker = worker;
    }
    await Promise.all([this.cancels.subscribe((id) => delivery.cancel(id)), ...this.lanes().map((lane) => lane.worker!.waitUntilReady())]);
  }

  /**
   * Adds a job; `args` have been checked JSON-serialisable. Jobs added in the
   * same tick go to BullMQ together (see {@link AddBatcher}). @internal
   */
  add(job: NamedJob, id: string | undefined, args: readonly unknown[], options: ResolvedJobOptions, extra: StartExtras): Promise<string> {
    const adds = this.laneFor(job.name).adds;
    if (!adds) return Promise.reject(new TransportNotStartedError());
    return adds.add(job, id, args, options, extra);
  }

  /**
   * The status of job `id` as BullMQ records it, from whichever of the
   * transport's queues holds it; `null` when none does. @internal
   */
  async status(id: string): Promise<JobStatus | null> {
    const numbered = parseNumberedId(id);
    const queueJobId = numbered?.queueJobId ?? id;
    for (const lane of this.lanes()) {
      if (!lane.queue) continue;
      // The state first: the job hash read after it is at least as recent (a failure's reason, a result).
      const state = await lane.queue.getJobState(queueJobId);
      if (state === 'unknown') continue;
      const job = (await lane.queue.getJob(queueJobId)) as Job<JobData> | undefined;
      if (!job) return null;
      // Each queue numbers its own jobs: the same number in another queue is another job.
      if (!holdsSecret(job.data, numbered)) continue;
      return statusOfQueueJob(job, state, id);
    }
    return null;
  }

  /** Progress of a job running in this process, for BullMQ's job hash (and so for every process). @internal */
  reportProgress(id: string, attempt: number, value: number, data: unknown): void {
    this.delivery?.reportProgress(id, attempt, value, data);
  }

  /** Whether BullMQ still holds job `id` (any state): a caller-chosen id is then a duplicate. @internal */
  async has(name: string, id: string): Promise<boolean> {
    return (await this.queueFor(name).getJob(id)) !== undefined;
  }

  /**
   * Cancels job `id` on the queue's side: a job no worker has taken is
   * removed; an active one is signalled to the process running it (which
   * records it cancelled). @internal
   */
  async cancel(id: string, name: string | undefined): Promise<RemoteCancel> {
    const queues = (name === undefined ? this.lanes() : [this.laneFor(name)]).map((lane) => lane.queue);
    if (!queues.every((queue) => queue !== undefined)) throw new TransportNotStartedError();
    return cancelInQueues(queues, id, this.cancels.publish);
  }

  /** Stops taking new jobs (worker role); running ones go on. @internal */
  async pause(): Promise<void> {
    await Promise.all(this.lanes().map((lane) => lane.worker?.pause(true).catch(() => undefined)));
  }

  /**
   * Closes the workers (after their running jobs, which the service has
   * finished or handed back by now), the queues, and the connections opened
   * here. Jobs not started stay in Redis for the next worker. @internal
   */
  close(): Promise<void> {
    this.closing ??= this.closeWithin(CLOSE_TIMEOUT);
    return this.closing;
  }

  /** Redis being away must not hang shutdown: past `limit` ms the rest is dropped, and said so. */
  private async closeWithin(limit: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), limit)));
    const closed = this.closeAll().then(() => false);
    const timedOut = await Promise.race([closed, late]);
    clearTimeout(timer);
    if (!timedOut) return;
    this.log.warn(`BullMQ connections did not close within ${limit} ms (is Redis reachable?); disconnecting them`);
    this.cancels.disconnect();
    for (const lane of this.lanes()) void lane.worker?.close(true).catch(() => undefined);
  }

  private async closeAll(): Promise<void> {
    await this.feed.close();
    await this.cancels.unsubscribe();
    await Promise.all(
      this.lanes().map((lane) => lane.worker?.close().catch((error: unknown) => this.log.report(`worker ${lane.queueName}`, error))),
    );
    this.delivery?.stop();
    await Promise.all(
      this.lanes().map((lane) => lane.queue?.close().catch((error: unknown) => this.log.report(`queue ${lane.queueName}`, error))),
    );
    await this.cancels.close();
  }

  private lanes(): Lane[] {
    return [this.main, ...this.dedicated.values()];
  }

  private laneFor(name: string): Lane {
    return this.dedicated.get(name) ?? this.main;
  }

  private queueFor(name: string): Queue {
    const queue = this.laneFor(name).queue;
    if (!queue) throw new TransportNotStartedError();
    return queue;
  }

  /** What BullMQ is given: options are copied (BullMQ opens its own connections from them), a client is shared. */
  private bullConnection(): ConnectionOptions {
    const connection = this.connection;
    if (typeof connection === 'string') return { url: connection };
    return (isRedisClient(connection) ? connection : { ...connection }) as ConnectionOptions;
  }
}
