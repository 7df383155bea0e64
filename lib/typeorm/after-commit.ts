import { Logger } from '@nestjs/common';
import type { EntityManager, QueryRunner } from 'typeorm';
import type { TransactionHandle } from '../interfaces/typeorm-types.interface.js';
import { INVALID_ARGUMENT } from '../async-job.messages.js';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import { NoTransactionError } from '../errors/no-transaction.error.js';
import type { JobGate } from '../worker/job-gate.js';
import { TransactionEvents } from './transaction-events.js';

const logger = new Logger('AsyncJob');
const watched = new WeakMap<QueryRunner, RunnerWatch>();

/**
 * A gate that lets a job into the queue when the transaction it was enqueued
 * in commits, and drops it when that transaction rolls back or its
 * QueryRunner is released without committing.
 *
 * Registered synchronously, at the call, so a commit that follows without
 * awaiting the enqueue is still seen. Savepoints count: a job enqueued inside
 * a nested transaction is dropped when that savepoint is rolled back, and
 * once the savepoint is released it waits for the enclosing transaction.
 *
 * Throws a {@link NoTransactionError} (`inactive`) when `trx` is not inside
 * an active transaction: enqueueing at once would silently lose the
 * guarantee.
 */
export function afterCommitGate(trx: TransactionHandle, call: string): JobGate {
  const queryRunner = transactionQueryRunner(trx, call);
  let watch = watched.get(queryRunner);
  if (!watch) watched.set(queryRunner, (watch = new RunnerWatch(queryRunner)));
  return watch.add();
}

function notATransactionHandle(trx: unknown, call: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `AsyncJobService.${call} trx`,
    trx,
    INVALID_ARGUMENT(`AsyncJobService.${call}`, 'a QueryRunner or an EntityManager', trx),
  );
}

/**
 * The QueryRunner of the caller's transaction handle (a QueryRunner, or the
 * EntityManager bound to one), inside an active transaction; otherwise a
 * typed error that says what was given.
 */
export function transactionQueryRunner(trx: unknown, call: string): QueryRunner {
  if (typeof trx !== 'object' || trx === null) {
    throw notATransactionHandle(trx, call);
  }
  const isQueryRunner = typeof (trx as Partial<QueryRunner>).startTransaction === 'function';
  const queryRunner = isQueryRunner ? (trx as QueryRunner) : (trx as Partial<EntityManager>).queryRunner;
  if (queryRunner === undefined) {
    if (!('queryRunner' in trx) && typeof (trx as Partial<EntityManager>).transaction !== 'function') {
      throw notATransactionHandle(trx, call);
    }
    throw new NoTransactionError(
      'inactive',
      call,
      'this EntityManager is not bound to a transaction (use the one dataSource.transaction() passes, or queryRunner.manager)',
    );
  }
  if (queryRunner.isReleased) throw new NoTransactionError('inactive', call, 'the QueryRunner is released');
  if (!queryRunner.isTransactionActive) throw new NoTransactionError('inactive', call, 'no transaction is active on the QueryRunner');
  return queryRunner;
}

/** Transaction depth: 1 in a transaction, one more per open savepoint. TypeORM keeps it protected. */
function depthOf(queryRunner: QueryRunner): number {
  if (!queryRunner.isTransactionActive) return 0;
  const depth = (queryRunner as unknown as { transactionDepth?: unknown }).transactionDepth;
  return typeof depth === 'number' && depth > 0 ? depth : 1;
}

/** The jobs waiting on one QueryRunner's transaction. */
class RunnerWatch {
  private readonly gates = new Set<CommitGate>();
  private unwatch?: (() => void) | undefined;
  private unwrapRelease?: (() => void) | undefined;

  constructor(private readonly queryRunner: QueryRunner) {}

  add(): CommitGate {
    if (this.gates.size === 0) this.start();
    const gate = new CommitGate(depthOf(this.queryRunner), () => this.remove(gate));
    this.gates.add(gate);
    return gate;
  }

  private start(): void {
    this.unwatch = TransactionEvents.of(this.queryRunner.dataSource).watch(this.queryRunner, (committed) => this.ended(committed));
    this.unwrapRelease = wrapRelease(this.queryRunner, () => this.released());
  }

  private remove(gate: CommitGate): void {
    this.gates.delete(gate);
    if (this.gates.size > 0) return;
    this.unwatch?.();
    this.unwrapRelease?.();
    this.unwatch = this.unwrapRelease = undefined;
    if (watched.get(this.queryRunner) === this) watched.delete(this.queryRunner);
  }

  private ended(committed: boolean): Promise<unknown> | undefined {
    const depth = depthOf(this.queryRunner);
    const drops: Promise<void>[] = [];
    // A copy: deciding removes the gate.
    for (const gate of Array.from(this.gates)) {
      if (committed) {
        if (depth === 0) gate.decide();
        else gate.depth = Math.min(gate.depth, depth);
      } else if (gate.depth > depth) {
        drops.push(
          gate.decide(new RolledBack(depth === 0 ? 'its transaction rolled back' : 'the savepoint it was enqueued in rolled back')),
        );
      }
    }
    return drops.length > 0 ? Promise.all(drops) : undefined;
  }

  private released(): Promise<unknown> | undefined {
    // A shared QueryRunner (SQLite) stays usable after release(): its transaction goes on.
    if (!this.queryRunner.isReleased) return undefined;
    const drops = [...this.gates].map((gate) => gate.decide(new RolledBack('its QueryRunner was released without committing')));
    return drops.length > 0 ? Promise.all(drops) : undefined;
  }
}

/** Why a job waiting for a commit was dropped; becomes its JobCancelledError's reason. */
class RolledBack {
  constructor(readonly reason: string) {}
}

class CommitGate implements JobGate {
  private decision?: RolledBack | 'commit';
  private enqueue?: (() => void) | undefined;
  private drop?: ((reason: Error) => Promise<void>) | undefined;
  private jobId?: string;

  constructor(
    /** The transaction depth the job depends on. */
    public depth: number,
    private readonly forget: () => void,
  ) {}

  attach(jobId: string, enqueue: () => void, drop: (reason: Error) => Promise<void>): void {
    this.enqueue = enqueue;
    this.drop = drop;
    this.jobId = jobId;
    if (this.decision) void this.apply();
  }

  abandon(): void {
    this.enqueue = this.drop = undefined;
    this.forget();
  }

  /** Commit (no argument) or drop; resolves once the drop is recorded. */
  decide(decision: RolledBack | 'commit' = 'commit'): Promise<void> {
    if (this.decision) return Promise.resolve();
    this.decision = decision;
    this.forget();
    return this.apply();
  }

  private apply(): Promise<void> {
    const { enqueue, drop, decision } = this;
    if (!enqueue || !drop || !decision) return Promise.resolve();
    this.enqueue = this.drop = undefined;
    if (decision === 'commit') {
      enqueue();
      return Promise.resolve();
    }
    const jobId = this.jobId ?? '(unknown)';
    return drop(new JobCancelledError(jobId, 'dropped', decision.reason)).catch((error: unknown) =>
      logger.error(`Recording job ${jobId} as dropped failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
}

/**
 * Runs `onReleased` after each `release()` of this QueryRunner instance
 * (TypeORM has no release event), until the returned function restores it.
 */
function wrapRelease(queryRunner: QueryRunner, onReleased: () => Promise<unknown> | undefined): () => void {
  const target = queryRunner as { release: () => Promise<void> };
  const hadOwn = Object.prototype.hasOwnProperty.call(target, 'release');
  const original = target.release;
  const wrapped = async function (this: QueryRunner): Promise<void> {
    await original.call(this);
    await onReleased();
  };
  target.release = wrapped;
  return () => {
    if (target.release !== wrapped) return;
    if (hadOwn) target.release = original;
    else delete (target as { release?: unknown }).release;
  };
}
