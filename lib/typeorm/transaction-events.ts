import { Logger } from '@nestjs/common';
import type { DataSource, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';

/** Told when a transaction (or a savepoint) of a QueryRunner ends; may return a promise the ending waits for. */
export type TransactionEndListener = (committed: boolean) => unknown;

const logger = new Logger('AsyncJob');
const byDataSource = new WeakMap<DataSource, TransactionEvents>();

/**
 * The end of transactions on one DataSource, per QueryRunner.
 *
 * TypeORM has no per-QueryRunner commit hook; what it has is the
 * `afterTransactionCommit` / `afterTransactionRollback` events it sends to
 * the DataSource's subscribers, with the QueryRunner, after the `COMMIT` or
 * `ROLLBACK` (or savepoint release / rollback) has succeeded. One subscriber
 * is added per DataSource, the first time it is needed, and dispatches to
 * listeners kept per QueryRunner in a WeakMap, so a QueryRunner nobody
 * watches costs one lookup per transaction.
 *
 * The subscriber never throws (a throw would make the caller's
 * `commitTransaction()` reject after a successful commit); it returns the
 * listeners' promises, so `await queryRunner.rollbackTransaction()` resolves
 * after, for instance, the jobs it dropped are recorded `cancelled`.
 */
export class TransactionEvents {
  private readonly listeners = new WeakMap<QueryRunner, Set<TransactionEndListener>>();
  private readonly subscriber: EntitySubscriberInterface = {
    afterTransactionCommit: (event: TransactionCommitEvent) => this.dispatch(event.queryRunner, true),
    afterTransactionRollback: (event: TransactionRollbackEvent) => this.dispatch(event.queryRunner, false),
  };

  private constructor(private readonly dataSource: DataSource) {}

  /** The events of `dataSource`, subscribing on first use. */
  static of(dataSource: DataSource): TransactionEvents {
    let events = byDataSource.get(dataSource);
    if (!events) byDataSource.set(dataSource, (events = new TransactionEvents(dataSource)));
    return events;
  }

  /** Calls `listener` after each commit or rollback on `queryRunner`, until the returned function is called. */
  watch(queryRunner: QueryRunner, listener: TransactionEndListener): () => void {
    // initialize() replaces the subscriber list, so a DataSource met before it was initialized is subscribed again.
    if (!this.dataSource.subscribers.includes(this.subscriber)) this.dataSource.subscribers.push(this.subscriber);
    let set = this.listeners.get(queryRunner);
    if (!set) this.listeners.set(queryRunner, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(queryRunner) === set) this.listeners.delete(queryRunner);
    };
  }

  /**
   * Resolves after the next commit or rollback on `queryRunner`; rejects with
   * the signal's reason if it is aborted first.
   */
  nextEnd(queryRunner: QueryRunner, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        unwatch();
        reject(signal.reason as Error);
      };
      const unwatch = this.watch(queryRunner, () => {
        unwatch();
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private dispatch(queryRunner: QueryRunner, committed: boolean): Promise<void> | undefined {
    const set = this.listeners.get(queryRunner);
    if (!set) return undefined;
    const pending: Promise<unknown>[] = [];
    // A copy: a listener may add or remove listeners.
    for (const listener of Array.from(set)) {
      try {
        const result = listener(committed);
        if (result instanceof Promise) pending.push(result.catch(logFailure));
      } catch (error) {
        logFailure(error);
      }
    }
    return pending.length === 0 ? undefined : Promise.all(pending).then(() => undefined);
  }
}

function logFailure(error: unknown): void {
  logger.error(
    `A transaction listener failed: ${error instanceof Error ? error.message : String(error)}`,
    error instanceof Error ? error.stack : undefined,
  );
}
