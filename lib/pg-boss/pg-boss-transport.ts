import type { Db, PgBoss } from 'pg-boss';
import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import { AsyncJobError } from '../errors/async-job.error.js';
import { TransportNotStartedError } from '../errors/transport-not-started.error.js';
import { TransportUnavailableError } from '../errors/transport-unavailable.error.js';
import { isServerUnavailable } from '../shared/postgres/server-unavailable.js';
import type { AsyncJobTransport } from '../interfaces/async-job-transport.interface.js';
import type { JobStatus } from '../interfaces/job-status.interface.js';
import type { JobDefinition } from '../job-definition.types.js';
import type { RemoteCancel } from '../transport/job-transport.interface.js';
import type { CallerTransaction } from '../transport/transaction-sql.js';
import { EnqueueInTransactionError } from '../errors/enqueue-in-transaction.error.js';
import { START_EXTRA_NAMES, type StartExtraName, type StartExtras } from '../transport/start-extras.js';
import type { TransportHost } from '../transport/transport-host.interface.js';
import { newJobId } from '../utils/job-id.js';
import { assertJsonArgs } from '../utils/json.js';
import type { JobGate } from '../worker/job-gate.js';
import { settlesWithin } from '../utils/settles-within.js';
import { BossChangeFeed } from './boss-change-feed.js';
import { BossDatabase, bossDbIn, poolConfigOf } from './boss-database.js';
import { jobToSend, type BossJobData, type CompletedOutput } from './boss-job-data.js';
import { changeTriggerSql } from './change-trigger.js';
import { JobsTableCheck } from './jobs-table-check.js';
import { listenThrough } from './listen-through.js';
import { bossJobId, publicJobId } from './boss-job-id.js';
import { statusOfBossJob, WAITING_STATES } from './boss-job-status.js';
import { Delivery } from './delivery.js';
import { ThrottledErrorLog } from '../shared/throttled-error-log.js';
import { loadPgBoss } from './load-pg-boss.js';
import { NotifyListener } from '../shared/postgres/notify-listener.js';
import { resolvePgBossOptions, type BossQueue, type PgBossSettings } from './pg-boss-options.js';
import type { PgBossTransportOptions } from './pg-boss-transport-options.interface.js';
import { trackerBesideEngine } from '../shared/postgres/tracker-beside-engine.js';
import type { PostgresProgressTracker } from '../progress/postgres/postgres-progress-tracker.js';

/** Longest wait for pg-boss to stop at shutdown, in ms, once the jobs running here are done. */
const CLOSE_TIMEOUT = 5000;
/** pg-boss takes every start extra: delay, priority and a caller-chosen id. */
const TAKES_ALL_EXTRAS: ReadonlySet<StartExtraName> = new Set(START_EXTRA_NAMES);
const ONE_PER_MODULE = 'a PgBossTransport of its own (one serves one AsyncJobModule: create one per module)';

/** A job enqueued in a transaction that rolled back never existed: there is nothing to record. */
const NOTHING_TO_DROP = (): Promise<void> => Promise.resolve();

/** What the transport holds once a module has attached it. */
interface Attached {
  readonly host: TransportHost;
  readonly boss: PgBoss;
  readonly db: BossDatabase;
  readonly listener: NotifyListener;
  readonly delivery: Delivery;
  /** Whether another connection (the module's DataSource, a caller's transaction) reaches pg-boss's jobs table. */
  readonly table: JobsTableCheck;
  /** Every queue, the main one first, with its concurrency in this process. */
  readonly queues: readonly { readonly queueName: string; readonly concurrency: number }[];
}

/**
 * Runs the app's named jobs (`@AsyncJob` methods) through pg-boss on
 * PostgreSQL: durable, spread over every process with the worker role, with
 * progress and statuses beside them (no Redis). With the module's
 * `dataSource` on the same database, `startIn(trx, …)` enqueues inside the
 * caller's transaction and a job's writes through `entityManager()` commit
 * together with its completion: database effects exactly once.
 *
 * ```ts
 * new PgBossTransport({ dataSource, worker: process.env.ROLE === 'worker' })
 * ```
 *
 * pg-boss and pg, optional peers, are loaded only when the module starts.
 * One instance serves one module. See docs/postgres.md.
 *
 * @publicApi
 */
// A JobTransport too (test/unit/transport-contract.spec.ts checks it): that contract's members are internal.
export class PgBossTransport implements AsyncJobTransport {
  /** The PostgreSQL schema of pg-boss's tables. */
  readonly schema: string;
  /** Whether this process runs jobs (false: enqueue-only). */
  readonly runsJobs: boolean;
  /** How long `cancel()` waits for another process to confirm, in ms. */
  readonly cancelTimeout: number;
  /** The start options it takes: all of `delay`, `priority` and `jobId`. @internal */
  readonly startExtras = TAKES_ALL_EXTRAS;
  /** Tells when a named job may have changed, over LISTEN/NOTIFY: for `waitFor` and `progress$` of a job of another process. @internal */
  readonly feed: BossChangeFeed;
  private readonly settings: PgBossSettings;
  private readonly log = new ThrottledErrorLog('pg-boss', 'AsyncJob:PgBoss');
  private readonly cancelChannel: string;
  private attached: Attached | undefined;
  /** pg-boss started and every queue created: once, by the first that needs it. */
  private ready: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: PgBossTransportOptions) {
    const settings = resolvePgBossOptions(options);
    this.settings = settings;
    this.schema = settings.schema;
    this.runsJobs = settings.runsJobs;
    this.cancelTimeout = settings.cancelTimeout;
    this.cancelChannel = `asyncjob_${settings.schema}_cancel`;
    this.feed = new BossChangeFeed(`asyncjob_${settings.schema}_change`, this.log.report);
  }

  /** The module's tracker when none is given: a PostgresProgressTracker in the transport's schema, shared by every process. @internal */
  createTracker(): PostgresProgressTracker {
    const { connection, schema } = this.settings;
    // A pool of its own from a DataSource's settings: the DataSource may not be initialized yet.
    return trackerBesideEngine('dataSource' in connection ? { config: poolConfigOf(connection.dataSource) } : connection, schema);
  }

  /** Binds the transport to its module's service; nothing is opened until `startWorkers`. @internal */
  attach(host: TransportHost, moduleConcurrency: number): void {
    if (this.attached) throw new InvalidOptionError('transport', this, ONE_PER_MODULE);
    const { PgBoss } = loadPgBoss();
    const settings = this.settings;
    const db = new BossDatabase(settings.connection, this.log.report);
    const listener = new NotifyListener(db, this.log.report);
    const boss = new PgBoss({
      // A worker is woken by pg-boss's NOTIFY of a new job, over the transport's one LISTEN connection.
      db: this.runsJobs ? { ...db.boss, listen: listenThrough(listener) } : db.boss,
      useListenNotify: this.runsJobs,
      schema: settings.schema,
      // Dead workers are found by the heartbeat: looked for as often as it beats, at most every minute. pg-boss's
      // supervisor sweeps a queue for stale heartbeats only in its monitor pass, which runs at most every
      // monitorIntervalSeconds (60 by default): both intervals, or a dead worker's jobs wait up to a minute more.
      superviseIntervalSeconds: Math.min(60, settings.heartbeat),
      monitorIntervalSeconds: Math.min(60, settings.heartbeat),
    });
    boss.on('error', (error: Error) => this.log.report('', error));
    this.feed.attach(listener);
    const queues = [settings.main, ...settings.dedicated.values()].map((queue: BossQueue) => ({
      queueName: queue.queueName,
      concurrency: queue.concurrency ?? moduleConcurrency,
    }));
    const delivery = new Delivery(host, boss, db, settings.schema, this.feed.channel, this.log.report);
    this.attached = { host, boss, db, listener, delivery, table: new JobsTableCheck(db, settings.schema), queues };
  }

  /** Starts pg-boss (creating its schema and our queues), then this process's workers (worker role). @internal */
  async startWorkers(): Promise<void> {
    const attached = this.started();
    await this.whenReady(attached);
    if (!this.runsJobs) return;
    const { boss, delivery, listener } = attached;
    await this.chooseCompletion(attached);
    await listener.listen(this.cancelChannel, (id) => delivery.cancel(id));
    // A job that completed here is answered for by this process until pg-boss's record of it is announced.
    await this.feed.observe((id) => attached.host.acknowledged(id));
    const options = {
      batchSize: 1,
      includeMetadata: true,
      pollingIntervalSeconds: this.settings.pollingInterval,
      // New jobs wake workers at once (NOTIFY); the poll still finds retries and delayed jobs when they come due.
      notifyPollingIntervalSeconds: this.settings.pollingInterval,
    } as const;
    for (const { queueName, concurrency } of attached.queues) {
      // One pg-boss worker per slot, each fetching again at once after a job: pg-boss waits out the
      // polling interval after every fetch otherwise, which would cap a slot at one job per interval.
      for (let slot = 0; slot < concurrency; slot++) {
        let workerId: string | undefined;
        const handle = delivery.handler(queueName);
        workerId = await boss.work<BossJobData, CompletedOutput | undefined, typeof options>(queueName, options, async (jobs) => {
          const output = await handle(jobs);
          if (workerId !== undefined) boss.notifyWorker(workerId);
          return output;
        });
      }
    }
  }

  /**
   * Sends a job (`args` checked JSON-serialisable) to its queue; resolves
   * with its id once pg-boss holds it. With a `gate`, the job is held in the
   * tracker until the caller's transaction commits. @internal
   */
  async add(
    job: JobDefinition,
    args: readonly unknown[],
    options: ResolvedJobOptions,
    extras: StartExtras,
    gate: JobGate | undefined,
  ): Promise<string> {
    const attached = this.started();
    assertJsonArgs(job.name, args);
    return this.reaching('start', async () => {
      await this.whenReady(attached);
      const { host } = attached;
      const id = extras.jobId ?? newJobId();
      const enqueuedAt = Date.now();
      const send = () => this.send(attached, job, id, args, options, extras);
      if (gate) {
        const status: JobStatus = { id, name: job.name, state: 'queued', progress: { value: -1, data: null }, attempts: 0, enqueuedAt };
        await host.holdUntilCommit(gate, status, send);
      } else if (!(await send())) {
        // pg-boss already holds a job of this id (a caller-chosen one): the start is that job.
        return id;
      }
      host.queued(id, job.name, enqueuedAt);
      return id;
    });
  }

  /**
   * Sends a job inside the caller's transaction, through pg-boss's `db`
   * option: the row is the caller's until it commits, so the job exists if
   * and only if it does, and no worker sees it before. @internal
   */
  async addInTransaction(
    transaction: CallerTransaction,
    job: JobDefinition,
    args: readonly unknown[],
    options: ResolvedJobOptions,
    extras: StartExtras,
    commit: JobGate,
  ): Promise<string> {
    const attached = this.started();
    assertJsonArgs(job.name, args);
    await this.whenReady(attached);
    if (!(await attached.table.reachesFrom(transaction.owner, transaction.sql))) {
      throw new EnqueueInTransactionError('other-database', 'startIn', `pg-boss's schema is "${this.schema}"`);
    }
    const id = extras.jobId ?? newJobId();
    const enqueuedAt = Date.now();
    await this.send(attached, job, id, args, options, extras, bossDbIn(transaction.sql));
    commit.attach(id, () => attached.host.queued(id, job.name, enqueuedAt), NOTHING_TO_DROP);
    return id;
  }

  /** The status of job `id` as pg-boss records it, from whichever queue holds it; `null` when none does. @internal */
  async status(id: string): Promise<JobStatus | null> {
    const attached = this.attached;
    if (!attached) return null;
    const found = await this.reaching('getStatus', () => this.find(attached, id, undefined));
    return found ? statusOfBossJob(found.job, id) : null;
  }

  /** Progress of a job running in this process, for its pg-boss row (and so for every process). @internal */
  reportProgress(id: string, attempt: number, value: number, data: unknown): void {
    this.attached?.delivery.reportProgress(id, attempt, value, data);
  }

  /** Cancels job `id` in pg-boss: removed if waiting, signalled to its process (NOTIFY) if active. @internal */
  async cancel(id: string, name: string | undefined): Promise<RemoteCancel> {
    const attached = this.started();
    return this.reaching('cancel', () => this.cancelNow(attached, id, name));
  }

  private async cancelNow(attached: Attached, id: string, name: string | undefined): Promise<RemoteCancel> {
    const found = await this.find(attached, id, name);
    if (!found) return 'absent';
    const { job, queueName } = found;
    if (WAITING_STATES.has(job.state)) {
      // Only while no worker holds it (pg-boss's cancel would also take an active job from under its worker).
      const removed = await attached.db.query(
        `UPDATE ${this.schema}.job SET state = 'cancelled', completed_on = now()
         WHERE name = $1 AND id = $2 AND state IN ('created', 'retry') RETURNING id`,
        [queueName, job.id],
      );
      if (removed.length > 0) return 'removed';
    } else if (job.state !== 'active') {
      return 'absent';
    }
    await attached.db.query('SELECT pg_notify($1, $2)', [this.cancelChannel, id]);
    return 'signalled';
  }

  /** Stops taking new jobs (worker role); running ones go on. @internal */
  async pause(): Promise<void> {
    const attached = this.attached;
    if (!attached || !this.runsJobs) return;
    await Promise.all(attached.queues.map(({ queueName }) => attached.boss.offWork(queueName, { wait: false }).catch(() => undefined)));
  }

  /** Stops pg-boss and ends the pool it opened, once the jobs running here are done; queued jobs stay in PostgreSQL. @internal */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const attached = this.attached;
    this.feed.stop();
    if (!attached) return;
    const stopped = (async () => {
      await attached.listener.close();
      attached.delivery.stop();
      // Every job of this process has finished or been handed back by now: nothing for a graceful stop to wait for.
      if (this.ready) await attached.boss.stop({ graceful: true, timeout: 1000, close: false }).catch(() => undefined);
      await attached.db.close();
    })();
    if (!(await settlesWithin(stopped, CLOSE_TIMEOUT))) {
      this.log.warn(`pg-boss did not stop within ${CLOSE_TIMEOUT} ms (is PostgreSQL reachable?); giving up on it`);
    }
  }

  /** pg-boss started, and every queue created (createQueue must come before any send; it is idempotent). */
  private whenReady(attached: Attached): Promise<void> {
    this.ready ??= (async () => {
      await attached.boss.start();
      await attached.db.query(changeTriggerSql(this.schema, this.feed.channel), []);
      for (const { queueName } of attached.queues) {
        await attached.boss.createQueue(queueName, {
          retryLimit: 0,
          expireInSeconds: this.settings.expireInSeconds,
          heartbeatSeconds: this.settings.heartbeat,
          notify: true,
          deleteAfterSeconds: this.settings.retention,
        });
      }
    })();
    // A failed start may be tried again by the next caller.
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  /** Sends one job (through `db`, a transaction of the caller's, when given); false when pg-boss already holds one of its id. */
  private async send(
    attached: Attached,
    job: JobDefinition,
    id: string,
    args: readonly unknown[],
    options: ResolvedJobOptions,
    extras: StartExtras,
    db?: Db,
  ): Promise<boolean> {
    const { data, send } = jobToSend(job, id, args, options, extras, this.settings);
    if (db) send.db = db;
    return (await attached.boss.send(this.queueOf(job.name, attached), data, send)) !== null;
  }

  /**
   * Whether a job's completion can be written inside its own transaction:
   * only when the module's DataSource reaches the very table pg-boss keeps
   * its jobs in. Decided once; without it, completion follows the commit
   * (at least once), and a DataSource elsewhere is worth a warning.
   */
  private async chooseCompletion(attached: Attached): Promise<void> {
    const dataSource = attached.host.dataSource;
    if (!dataSource) return;
    const reached =
      String(dataSource.options.type) === 'postgres' &&
      (await attached.table.reaches({ query: (text, values) => dataSource.query(text, [...values]) }));
    if (reached) {
      attached.delivery.completeInJobTransactions();
      return;
    }
    this.log.warn(
      `the module's dataSource is not the database of pg-boss's schema "${this.schema}": a job's writes and its completion ` +
        'commit separately (at least once). Give both the same PostgreSQL database for database effects exactly once.',
    );
  }

  private queueOf(jobName: string, attached: Attached): string {
    return this.settings.dedicated.get(jobName)?.queueName ?? attached.queues[0]!.queueName;
  }

  /** Job `id` in the queue of jobs named `name`, or in any queue when the name is not known. */
  private async find(attached: Attached, id: string, name: string | undefined) {
    await this.whenReady(attached);
    const bossId = bossJobId(id, this.schema);
    const queueNames = name === undefined ? attached.queues.map((queue) => queue.queueName) : [this.queueOf(name, attached)];
    for (const queueName of queueNames) {
      const [job] = await attached.boss.findJobs<BossJobData>(queueName, { id: bossId });
      // The row must name the very id asked for (a library id and a caller's key are told apart by the key it keeps).
      if (job && publicJobId(job.id, job.data?.key) === id) return { job, queueName };
    }
    return undefined;
  }

  /**
   * `work`, with a failure to reach PostgreSQL (refused, dropped, timed out)
   * turned into a {@link TransportUnavailableError}, so the caller is told in
   * the module's terms; a pool fails such a call as soon as it cannot
   * connect. A statement PostgreSQL refused for what it is stays as it is.
   */
  private async reaching<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AsyncJobError || !isServerUnavailable(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new TransportUnavailableError(`pg-boss in PostgreSQL (schema ${this.schema})`, operation, reason, error);
    }
  }

  private started(): Attached {
    if (!this.attached) throw new TransportNotStartedError();
    return this.attached;
  }
}
