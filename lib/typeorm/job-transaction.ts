import type { LoggerService } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import { CommitFailedError } from '../errors/commit-failed.error.js';
import { NoTransactionError } from '../errors/no-transaction.error.js';
import type { IsolationLevel } from '../interfaces/job-transaction-options.interface.js';
import type { AttemptResource } from '../worker/attempt-scope.js';
import type { JobContext } from '../worker/job-context.js';
import type { AttemptOutcome } from '../worker/attempt.types.js';
import { QueryGuard } from './query-guard.js';
import { queryRunnerSql } from './query-runner-sql.js';
import type { SharedConnectionLock } from './shared-connection-lock.js';

/** What every job transaction of one DataSource shares. */
export interface JobTransactionHost {
  readonly dataSource: DataSource;
  /** Set for drivers with one shared connection (SQLite). */
  readonly lock: SharedConnectionLock | undefined;
  readonly logger: LoggerService;
  /** The job whose code is running now (AsyncLocalStorage). */
  readonly currentContext: () => JobContext | undefined;
}

/** Once an attempt has its outcome, the only SQL its code may still send is what ends its transaction. */
const ENDS_BY_COMMIT = /^\s*(?:COMMIT|RELEASE SAVEPOINT)\b/i;
const ENDS_BY_ROLLBACK = /^\s*ROLLBACK\b/i;
/** Nested transactions (savepoints) ended one by one at most; a driver that never ends one must not loop forever. */
const MAX_NESTING = 64;

/**
 * The database transaction of one attempt of one job.
 *
 * Nothing is taken until the job first asks for its EntityManager or
 * QueryRunner: then a QueryRunner is created and a transaction started on it
 * (on a pooled driver that takes a connection from the pool). When the
 * attempt has its outcome the transaction is committed (success) or rolled
 * back (throw, rejection, timeout, cancel, shutdown), and the QueryRunner is
 * released in every case; only then does the runner hand the outcome on. A
 * failing commit makes the attempt fail with a {@link CommitFailedError}.
 *
 * A timed-out or cancelled job's code may go on running: once the outcome
 * is known, a {@link QueryGuard} refuses its queries, so nothing it does
 * afterwards runs outside the transaction.
 */
export class JobTransaction implements AttemptResource {
  private opening?: Promise<QueryRunner>;
  private ending?: RegExp;
  private guard?: QueryGuard;
  private unlock?: () => void;
  /** Whether timedQuery has warned about this transaction's isolation. */
  warned = false;

  constructor(
    private readonly host: JobTransactionHost,
    readonly context: JobContext,
    /** Given to `startTransaction`: `undefined` lets TypeORM apply the DataSource's own option. */
    private readonly isolation: IsolationLevel | undefined,
    /** The level the transaction actually runs at, when known. */
    readonly effectiveIsolation: IsolationLevel | undefined,
  ) {}

  /** The attempt's QueryRunner, inside its transaction; opened on the first call. */
  queryRunner(call: string): Promise<QueryRunner> {
    if (this.ending) return Promise.reject(new NoTransactionError('finished', call, this.context.id));
    this.opening ??= this.begin();
    return this.opening;
  }

  async close(outcome: AttemptOutcome): Promise<AttemptOutcome> {
    this.ending = outcome.ok ? ENDS_BY_COMMIT : ENDS_BY_ROLLBACK;
    if (!this.opening) return outcome;
    let queryRunner: QueryRunner;
    try {
      queryRunner = await this.opening;
    } catch {
      // It never opened (its error went to the job): there is nothing to end.
      return outcome;
    }
    // Not before it has opened: the rule would refuse its own START TRANSACTION, leaving
    // TypeORM's flags saying a transaction is active (for ever, on SQLite's shared QueryRunner).
    this.guard?.restrict(this.context, this.ending);
    let result = outcome;
    try {
      if (outcome.ok) {
        try {
          // A queue that records the completion in this very transaction: the job's writes and its completion commit together, or neither.
          const complete = this.context.record.completeInTransaction;
          if (complete) await complete(queryRunnerSql(queryRunner), outcome.value);
          await endAll(queryRunner, () => queryRunner.commitTransaction());
        } catch (error) {
          result = { ok: false, error: new CommitFailedError(this.context.id, error) };
          this.ending = ENDS_BY_ROLLBACK;
          this.guard?.restrict(this.context, ENDS_BY_ROLLBACK);
          // Some databases (SQLite after a deferred constraint failure) keep the transaction open.
          await endAll(queryRunner, () => queryRunner.rollbackTransaction());
        }
      } else {
        await endAll(queryRunner, () => queryRunner.rollbackTransaction());
      }
    } catch (error) {
      this.logFailure('Rolling back', error);
    } finally {
      this.guard?.restrict(this.context, null);
      try {
        if (!queryRunner.isReleased) await queryRunner.release();
      } catch (error) {
        this.logFailure('Releasing the QueryRunner of', error);
      }
      this.unlock?.();
    }
    return result;
  }

  private async begin(): Promise<QueryRunner> {
    const { dataSource, lock } = this.host;
    const queryRunner = dataSource.createQueryRunner();
    this.guard = QueryGuard.on(queryRunner, this.host.currentContext);
    const start = (): Promise<void> => queryRunner.startTransaction(this.isolation);
    try {
      if (lock) this.unlock = await lock.acquire(this.context.signal, start);
      else await start();
    } catch (error) {
      if (!lock && !queryRunner.isReleased) await queryRunner.release().catch(() => undefined);
      throw error;
    }
    return queryRunner;
  }

  private logFailure(action: string, error: unknown): void {
    this.host.logger.error(
      `${action} the transaction of job ${this.context.id} (${this.context.name}) failed: ${error instanceof Error ? error.message : String(error)}`,
      error instanceof Error ? error.stack : undefined,
    );
  }
}

/** Commits or rolls back every level still open: a nested transaction the job left open, then the job's own. */
async function endAll(queryRunner: QueryRunner, end: () => Promise<void>): Promise<void> {
  for (let level = 0; queryRunner.isTransactionActive && level < MAX_NESTING; level++) await end();
}
