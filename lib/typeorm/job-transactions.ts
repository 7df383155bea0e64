import type { LoggerService } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import { NoTransactionError } from '../errors/no-transaction.error.js';
import type { IsolationLevel, JobTransactionOptions } from '../interfaces/job-transaction-options.interface.js';
import type { AttemptScope } from '../worker/attempt-scope.js';
import type { JobContext } from '../worker/job-context.js';
import { JobTransaction, type JobTransactionHost } from './job-transaction.js';
import { SharedConnectionLock } from './shared-connection-lock.js';
import { TransactionEvents } from './transaction-events.js';

/** Levels at which a transaction reads from one snapshot, so a retry cannot see later commits. */
const SNAPSHOT_LEVELS: ReadonlySet<IsolationLevel | undefined> = new Set<IsolationLevel>(['REPEATABLE READ', 'SERIALIZABLE', 'SNAPSHOT']);

/**
 * Gives each attempt of each job its own transaction on the module's
 * DataSource (see {@link JobTransaction}), and finds the running job's one
 * through AsyncLocalStorage.
 *
 * The isolation level is the job's `transaction.isolation`, else the
 * DataSource's `isolationLevel` option, else `READ COMMITTED` wherever the
 * driver supports it: a job then sees rows committed while it runs, which is
 * what `timedQuery` needs, and behaves the same on PostgreSQL (whose default
 * it is) and MariaDB/MySQL (whose default is `REPEATABLE READ`).
 */
/** Drivers whose servers start transactions at READ COMMITTED unless configured otherwise. */
const DEFAULTS_TO_READ_COMMITTED: ReadonlySet<string> = new Set(['postgres', 'mssql', 'oracle']);

export class JobTransactions implements AttemptScope, JobTransactionHost {
  readonly lock: SharedConnectionLock | undefined;
  private readonly transactions = new WeakMap<JobContext, JobTransaction>();
  /** What `startTransaction` is given when the job names no level. */
  private readonly fallback: IsolationLevel | undefined;
  private readonly fallbackEffective: IsolationLevel | undefined;

  constructor(
    readonly dataSource: DataSource,
    readonly currentContext: () => JobContext | undefined,
    readonly logger: LoggerService,
    defaults: false | JobTransactionOptions | undefined,
  ) {
    const supported = dataSource.driver.supportedIsolationLevels as readonly string[];
    if (defaults && defaults.isolation !== undefined && !supported.includes(defaults.isolation)) {
      throw new InvalidOptionError(
        'defaultJobOptions.transaction.isolation',
        defaults.isolation,
        `an isolation level the ${String(dataSource.options.type)} driver supports (${supported.join(', ') || 'none'})`,
      );
    }
    const configured = dataSource.options.isolationLevel;
    const readCommitted = supported.includes('READ COMMITTED') ? 'READ COMMITTED' : undefined;
    this.fallbackEffective = configured ?? readCommitted;
    // Where READ COMMITTED is the server's own default, naming it costs a round trip per job for nothing.
    this.fallback =
      configured === undefined && !DEFAULTS_TO_READ_COMMITTED.has(String(dataSource.options.type)) ? readCommitted : undefined;
    // TypeORM's SQLite drivers hand every caller the same QueryRunner on the same connection.
    const shared = dataSource.driver.createQueryRunner('master');
    this.lock =
      shared === dataSource.driver.createQueryRunner('master')
        ? new SharedConnectionLock(shared, TransactionEvents.of(dataSource))
        : undefined;
  }

  open(context: JobContext): JobTransaction | undefined {
    const option = context.record.options.transaction;
    if (option === false) return undefined;
    const transaction = new JobTransaction(this, context, option?.isolation ?? this.fallback, option?.isolation ?? this.fallbackEffective);
    this.transactions.set(context, transaction);
    return transaction;
  }

  /** The QueryRunner of the job whose code calls, opened on first use. */
  queryRunner(context: JobContext | undefined, call: string): Promise<QueryRunner> {
    if (!context) return Promise.reject(new NoTransactionError('outside-job', call));
    const transaction = this.transactions.get(context);
    if (!transaction) return Promise.reject(new NoTransactionError('disabled', call, context.id));
    return transaction.queryRunner(call);
  }

  /**
   * Warns, once per attempt, when a job polls with `timedQuery` while its
   * transaction reads from one snapshot: there, trying again inside the
   * transaction cannot see a row committed after its first read.
   */
  warnIfSnapshot(context: JobContext | undefined): void {
    const transaction = context && this.transactions.get(context);
    if (!transaction || transaction.warned || !SNAPSHOT_LEVELS.has(transaction.effectiveIsolation)) return;
    transaction.warned = true;
    this.logger.warn(
      `timedQuery in job ${transaction.context.id} (${transaction.context.name}): its transaction runs at ` +
        `${String(transaction.effectiveIsolation)}, where a retry inside it cannot see rows committed after its first read. ` +
        'Use READ COMMITTED (the default), or query through another connection.',
    );
  }
}

/** The running job's QueryRunner, or the reason there is none. */
export function jobQueryRunner(
  transactions: JobTransactions | undefined,
  context: JobContext | undefined,
  call: string,
): Promise<QueryRunner> {
  if (!transactions) return Promise.reject(new NoTransactionError('no-data-source', call));
  return transactions.queryRunner(context, call);
}
