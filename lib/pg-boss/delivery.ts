/**
 * The jobs pg-boss hands this process: each is one attempt, run through the
 * host's attempt machinery (the same context, timeout, signal and
 * transaction as a local job), and its outcome settled in pg-boss by the
 * delivery itself, so that followers can be told once pg-boss has recorded
 * it. pg-boss's own completion of the handler's batch then finds the job
 * settled and changes nothing.
 */
import type { JobWithMetadata, PgBoss } from 'pg-boss';
import { JobNotRegisteredError } from '../errors/job-not-registered.error.js';
import type { JobProgress } from '../interfaces/job-status.interface.js';
import { ProgressCoalescer } from '../shared/progress-coalescer.js';
import type { DeliveryOutcome, TransportHost } from '../transport/transport-host.interface.js';
import { backoffDelay } from '../utils/backoff.js';
import { toJobError } from '../utils/job-error.js';
import { storableResult } from '../utils/json.js';
import type { TransactionSql } from '../transport/transaction-sql.js';
import { bossDbIn, type BossDatabase } from './boss-database.js';
import type { BossJobData, CompletedOutput, RunningOutput } from './boss-job-data.js';
import { publicJobId } from './boss-job-id.js';
import type { ReportError } from '../shared/throttled-error-log.js';

/** A running job's progress reaches PostgreSQL at most this often (ms); the latest value wins. */
const PROGRESS_INTERVAL = 100;

type BossJob = JobWithMetadata<BossJobData>;

/** A job running here: its pg-boss queue and row, and its latest progress. */
interface Running {
  readonly queue: string;
  readonly job: BossJob;
  readonly attempt: number;
  progress: JobProgress | undefined;
  /** Its completion was written inside the job's own transaction (committed with it if the attempt completes). */
  completedInTransaction?: boolean;
}

/** How the row is changed before pg-boss's `fail`, so that fail does what the outcome means. */
type FailAs = 'retry' | 'final' | 'handBack';

export class Delivery {
  /** Jobs running in this process, by our id. */
  private readonly running = new Map<string, Running>();
  private readonly progress: ProgressCoalescer;
  /**
   * Whether a job's completion is written inside its own transaction (the
   * module's DataSource is pg-boss's database): decided once, at start-up.
   */
  private completesInJobTransaction = false;

  constructor(
    private readonly host: TransportHost,
    private readonly boss: PgBoss,
    private readonly db: BossDatabase,
    private readonly schema: string,
    /** The channel of job changes (see BossChangeFeed). */
    private readonly changes: string,
    private readonly report: ReportError,
  ) {
    this.progress = new ProgressCoalescer(
      PROGRESS_INTERVAL,
      (batch) => this.writeProgress(batch),
      () => true,
      (id) => this.running.has(id),
      (error) => this.report('progress', error),
    );
  }

  /**
   * pg-boss's work handler for `queue` (batches of one). It resolves with a
   * completed job's output, which pg-boss then records as it completes the
   * job (a change the trigger announces); a job that ended otherwise is
   * settled here already, and pg-boss's completion finds nothing to do.
   */
  handler(queue: string): (jobs: BossJob[]) => Promise<CompletedOutput | undefined> {
    return async (jobs) => {
      let output: CompletedOutput | undefined;
      for (const job of jobs) output = await this.deliver(queue, job);
      return output;
    };
  }

  /** Progress of a job running here, for its pg-boss row (and so for every process), coalesced. */
  reportProgress(id: string, attempt: number, value: number, data: unknown): void {
    const running = this.running.get(id);
    if (!running || running.attempt !== attempt) return;
    running.progress = { value, data };
    const output: RunningOutput = { progress: running.progress, attempt };
    this.progress.set(id, JSON.stringify(output));
  }

  /** A cancel request for a job running here records it cancelled, which ends its attempt. */
  cancel(id: string): void {
    if (!this.running.has(id)) return;
    this.host.cancelLocal(id).catch((error: unknown) => this.report(`cancel of ${id}`, error));
  }

  stop(): void {
    this.progress.stop();
  }

  /** From now on, a job that opens its transaction has its completion committed in it (see {@link completeIn}). */
  completeInJobTransactions(): void {
    this.completesInJobTransaction = true;
  }

  private async deliver(queue: string, job: BossJob): Promise<CompletedOutput | undefined> {
    const host = this.host;
    const data = job.data;
    const id = publicJobId(job.id, data?.key);
    const name = data?.job ?? queue;
    const definition = host.jobNamed(name);
    if (!definition) {
      const error = JobNotRegisteredError.forName(name);
      await host.failUndeliverable(id, name, job.createdOn.getTime(), error);
      await this.fail(queue, job, id, 'final', error, 0);
      return undefined;
    }
    // Delivered again while its first delivery still runs here (pg-boss expired it): not twice at once.
    if (this.running.has(id)) {
      await this.fail(queue, job, id, 'handBack', new Error('delivered twice'), 0);
      return undefined;
    }
    const attempt = job.retryCount + 1;
    const running: Running = { queue, job, attempt, progress: undefined };
    const options = data?.options ?? definition.options;
    this.running.set(id, running);
    let outcome: DeliveryOutcome;
    try {
      outcome = await host.runDelivered({
        id,
        name,
        fn: definition.run,
        synchronous: definition.synchronous,
        args: Array.isArray(data?.args) ? data.args : [],
        options,
        attempt,
        // pg-boss's retry limit also allows for runs cut short by a dead worker (maxStalledCount): a failure retries by our attempts.
        retryLeft: attempt < options.attempts && job.retryCount < job.retryLimit,
        enqueuedAt: job.createdOn.getTime(),
        completeInTransaction: this.completesInJobTransaction ? (sql, result) => this.completeIn(sql, running, id, result) : undefined,
      });
    } finally {
      this.running.delete(id);
      this.progress.take(id);
    }
    return this.settle(queue, job, id, running, outcome);
  }

  /** Settles the attempt in pg-boss; a completed one's output is left for pg-boss to record. */
  private async settle(
    queue: string,
    job: BossJob,
    id: string,
    running: Running,
    outcome: DeliveryOutcome,
  ): Promise<CompletedOutput | undefined> {
    switch (outcome.kind) {
      case 'completed':
        // Already recorded, in the job's transaction; otherwise this process answers for it until pg-boss's completion is announced.
        if (running.completedInTransaction) this.host.acknowledged(id);
        return completedOutput(running, outcome.result);
      case 'retry': {
        const options = job.data?.options ?? this.host.jobNamed(job.data?.job ?? queue)?.options;
        const delay = options ? backoffDelay(options.backoff, running.attempt) : 0;
        await this.fail(queue, job, id, 'retry', outcome.error, delay);
        return undefined;
      }
      case 'failed':
        await this.fail(queue, job, id, 'final', outcome.error, 0);
        return undefined;
      case 'cancelled':
        // Cancelled here (a cancel of this process, or a signal from another): pg-boss still holds it active.
        await this.boss.cancel(queue, attempt(job));
        this.host.acknowledged(id);
        return undefined;
      case 'requeued':
        await this.fail(queue, job, id, 'handBack', new Error('handed back at shutdown'), 0);
        return undefined;
    }
  }

  /**
   * pg-boss's `fail` retries while `retry_count < retry_limit`, after
   * `retry_delay` seconds: both are set on the row first, so that it fails
   * for good (`final`), retries after our backoff (`retry`, rounded to whole
   * seconds, pg-boss's unit), or goes back to the queue without using up an
   * attempt (`handBack`: one more retry allowed, at once).
   */
  private async fail(queue: string, job: BossJob, id: string, as: FailAs, error: unknown, delay: number): Promise<void> {
    const set =
      as === 'final'
        ? 'retry_limit = retry_count'
        : as === 'handBack'
          ? 'retry_limit = retry_limit + 1, retry_delay = 0, retry_backoff = false'
          : `retry_delay = ${Math.round(delay / 1000)}, retry_backoff = false`;
    await this.db.query(`UPDATE ${this.schema}.job SET ${set} WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3`, [
      queue,
      job.id,
      job.retryCount,
    ]);
    const plain = toJobError(error);
    await this.boss.fail(queue, attempt(job), { name: plain.name, message: plain.message });
    this.host.acknowledged(id);
  }

  /**
   * Writes the attempt's completion inside the job's own transaction, just
   * before it commits: the job's writes and pg-boss's record that it
   * completed then commit together, or neither (a worker killed before the
   * commit leaves the job active, to run again with nothing of this attempt
   * kept). pg-boss's completion is fenced to this attempt: when pg-boss has
   * given the job to another attempt since (expired, or its worker counted
   * dead), it changes nothing, and this attempt's writes are rolled back.
   * The change is announced at the commit too (by the trigger).
   */
  private async completeIn(sql: TransactionSql, running: Running, id: string, result: unknown): Promise<void> {
    let kept: unknown;
    try {
      kept = storableResult(result);
    } catch {
      // Not JSON: the lifecycle logs that the result is not kept; the completion stands.
      kept = undefined;
    }
    const response = (await this.boss.complete(running.queue, attempt(running.job), completedOutput(running, kept), {
      db: bossDbIn(sql),
    })) as {
      affected?: number;
    };
    if (response.affected !== 1) {
      throw new Error(`pg-boss no longer holds attempt ${running.attempt} of job ${id} active (expired, or taken by another worker)`);
    }
    running.completedInTransaction = true;
  }

  /** One statement per job: the row of the attempt still running, and a NOTIFY when it was written. */
  private async writeProgress(batch: ReadonlyMap<string, string>): Promise<void> {
    await Promise.all(
      [...batch].map(([id, json]) => {
        const running = this.running.get(id);
        if (!running) return undefined;
        return this.db.query(
          `WITH written AS (UPDATE ${this.schema}.job SET output = $3::jsonb
             WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $4 RETURNING id)
           SELECT pg_notify($5, $6) FROM written`,
          [running.queue, running.job.id, json, running.job.retryCount, this.changes, id],
        );
      }),
    );
  }
}

/** What a completed job leaves in pg-boss's `output`. */
function completedOutput(running: Running, result: unknown): CompletedOutput {
  return running.progress ? { result: result ?? null, progress: running.progress } : { result: result ?? null };
}

/** The attempt pg-boss delivered: settling it is a no-op once the job has moved on (expired and claimed again). */
function attempt(job: BossJob): { id: string; retryCount: number } {
  return { id: job.id, retryCount: job.retryCount };
}
