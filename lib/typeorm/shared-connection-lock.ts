import type { QueryRunner } from 'typeorm';
import type { TransactionEvents } from './transaction-events.js';

interface Waiter {
  readonly grant: () => void;
}

/**
 * Serialises job transactions on a DataSource whose driver has one shared
 * connection and one shared QueryRunner (TypeORM's SQLite drivers): there, a
 * second `startTransaction()` does not open a transaction of its own but a
 * savepoint inside whatever transaction is open, so two jobs would commit and
 * roll back each other's work.
 *
 * A job's transaction starts once no other job holds the lock (FIFO) and the
 * shared QueryRunner is out of any transaction the application opened, and
 * holds the lock until it has ended.
 */
export class SharedConnectionLock {
  private held = false;
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly shared: QueryRunner,
    private readonly events: TransactionEvents,
  ) {}

  /**
   * Waits for its turn and for the shared connection to be out of any
   * transaction, then calls `begin` in the same tick as that last check, so
   * nothing can open a transaction in between. Resolves to the unlock
   * function once `begin` has resolved; rejects with the signal's reason when
   * it is aborted while waiting, or with `begin`'s error, releasing the lock.
   */
  async acquire(signal: AbortSignal, begin: () => Promise<void>): Promise<() => void> {
    await this.take(signal);
    try {
      while (this.shared.isTransactionActive) await this.events.nextEnd(this.shared, signal);
      await begin();
    } catch (error) {
      this.unlock();
      throw error;
    }
    let unlocked = false;
    return () => {
      if (unlocked) return;
      unlocked = true;
      this.unlock();
    };
  }

  private take(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index !== -1) this.waiters.splice(index, 1);
        reject(signal.reason as Error);
      };
      this.waiters.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private unlock(): void {
    const next = this.waiters.shift();
    if (next) next.grant();
    else this.held = false;
  }
}
