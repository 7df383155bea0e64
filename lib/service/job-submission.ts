import type { Type } from '@nestjs/common';
import { resolveJobOptions } from '../async-job-options.resolver.js';
import type { ResolvedModuleOptions } from '../async-job-options.types.js';
import type { JobRegistry } from '../async-job.registry.js';
import { INVALID_ARGUMENT } from '../async-job.messages.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import { ShuttingDownError } from '../errors/shutting-down.error.js';
import type { PerformOptions } from '../interfaces/job-options.interface.js';
import type { StartOptions } from '../interfaces/start-options.interface.js';
import type { TransactionHandle } from '../interfaces/typeorm-types.interface.js';
import type { JobTransport } from '../transport/job-transport.interface.js';
import type { LocalTransport } from '../transport/local-transport.js';
import { NO_EXTRAS, refuseStartExtras, splitStartOptions, type StartExtras } from '../transport/start-extras.js';
import type { JobDefinition } from '../job-definition.types.js';
import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import { afterCommitGate, transactionQueryRunner } from '../typeorm/after-commit.js';
import { queryRunnerSql } from '../typeorm/query-runner-sql.js';
import { EnqueueInTransactionError } from '../errors/enqueue-in-transaction.error.js';
import { NO_OPTIONS } from '../utils/no-options.js';
import type { JobGate } from '../worker/job-gate.js';

/**
 * New jobs: a closure (`perform`) or a named `@AsyncJob` (`start`), at once
 * or once the caller's transaction commits. A closure always runs here, on
 * the module's own engine; a named job goes to the module's transport, which
 * is that same engine unless the `transport` option names a queue: that is
 * decided once, when the module starts.
 */
export class JobSubmission {
  private open = true;

  constructor(
    private readonly options: ResolvedModuleOptions,
    private readonly registry: JobRegistry,
    private readonly local: LocalTransport,
    private readonly transport: JobTransport,
  ) {}

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
      if (!this.open) throw new ShuttingDownError();
      return settled(this.local.submit(name, fn as (...args: never[]) => unknown, args, jobOptions, gate));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Not `async`: the transport's promise, or the id, is handed on without another promise around it. */
  start<T>(options: StartOptions, type: Type<T>, method: string, args: readonly unknown[], gate?: JobGate): Promise<string> {
    try {
      const definition = this.registry.get(type, method);
      if (!this.open) throw new ShuttingDownError();
      if (options === NO_OPTIONS) return settled(this.transport.add(definition, args, definition.options, NO_EXTRAS, gate));
      const { extras, jobOptions } = this.startOptions(options, definition);
      return settled(this.transport.add(definition, args, jobOptions, extras, gate));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Per-call options split into the transport's extras and the job's own options over the definition's. */
  private startOptions(options: StartOptions, definition: JobDefinition): { extras: StartExtras; jobOptions: ResolvedJobOptions } {
    if (options === NO_OPTIONS) return { extras: NO_EXTRAS, jobOptions: definition.options };
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, 'an object');
    const { extras, rest } = splitStartOptions(options, this.transport.startExtras);
    // Unchanged options are the definition's own object: a queue then leaves them out of the job's data.
    const jobOptions = Object.keys(rest).length === 0 ? definition.options : resolveJobOptions(rest, definition.options);
    return { extras, jobOptions };
  }

  /**
   * {@link start} inside the transaction of `trx`: the transport writes the
   * job there, so it exists if and only if that transaction commits.
   */
  async startIn<T>(
    trx: TransactionHandle,
    options: StartOptions,
    type: Type<T>,
    method: string,
    args: readonly unknown[],
  ): Promise<string> {
    const queryRunner = transactionQueryRunner(trx, 'startIn');
    if (!this.transport.addInTransaction) throw new EnqueueInTransactionError('unsupported', 'startIn');
    const driver = String(queryRunner.connection.options.type);
    if (driver !== 'postgres') throw new EnqueueInTransactionError('not-postgres', 'startIn', `its DataSource is of type ${driver}`);
    const definition = this.registry.get(type, method);
    if (!this.open) throw new ShuttingDownError();
    const { extras, jobOptions } = this.startOptions(options, definition);
    const transaction = { sql: queryRunnerSql(queryRunner), owner: queryRunner.connection };
    const addInTransaction = this.transport.addInTransaction.bind(this.transport);
    return gated(afterCommitGate(queryRunner, 'startIn'), (commit) =>
      addInTransaction(transaction, definition, args, jobOptions, extras, commit),
    );
  }

  /** {@link perform} once the transaction of `trx` commits. */
  async performAfterCommit<A extends unknown[]>(
    trx: TransactionHandle,
    options: PerformOptions,
    fn: (...args: A) => unknown,
    args: A,
  ): Promise<string> {
    return gated(afterCommitGate(trx, 'performAfterCommit'), (gate) => this.perform(options, fn, args, gate));
  }

  /** {@link start} once the transaction of `trx` commits. */
  async startAfterCommit<T>(
    trx: TransactionHandle,
    options: StartOptions,
    type: Type<T>,
    method: string,
    args: readonly unknown[],
  ): Promise<string> {
    return gated(afterCommitGate(trx, 'startAfterCommit'), (gate) => this.start(options, type, method, args, gate));
  }
}

/**
 * Enqueues through `gate`, made by the caller before any await (so a commit
 * that follows at once is seen), and forgets the gate if the job is refused.
 */
async function gated(gate: JobGate, enqueue: (gate: JobGate) => Promise<string>): Promise<string> {
  try {
    return await enqueue(gate);
  } catch (error) {
    gate.abandon();
    throw error;
  }
}

function settled(id: string | Promise<string>): Promise<string> {
  return typeof id === 'string' ? Promise.resolve(id) : id;
}
