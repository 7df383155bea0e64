import type { QueryRunner } from 'typeorm';
import { NoTransactionError } from '../errors/no-transaction.error.js';
import type { JobContext } from '../worker/job-context.js';

type RawQuery = (this: QueryRunner, sql: string, ...rest: unknown[]) => Promise<unknown>;
/** Finds the job whose code is running now (a runner's AsyncLocalStorage). */
export type ContextSource = () => JobContext | undefined;

const guards = new WeakMap<QueryRunner, QueryGuard>();

/**
 * Stops a job's code from reaching the database once its attempt is over.
 *
 * A timed-out or cancelled job's code may go on running, holding its
 * EntityManager. Left alone, a query it sends after the `ROLLBACK` would run
 * outside any transaction and be committed at once (before the release on a
 * pooled driver; for ever on SQLite, whose one QueryRunner stays usable).
 * The guard wraps the QueryRunner's `query` once and, for each job attempt
 * it was told about, lets through only what ends the transaction while it
 * ends, and nothing afterwards. It tells a job's queries from everyone
 * else's by the caller's AsyncLocalStorage context, so the application's own
 * queries on a shared QueryRunner are never refused.
 */
export class QueryGuard {
  private readonly rules = new WeakMap<JobContext, RegExp | null>();
  private readonly sources = new Set<ContextSource>();

  private constructor(queryRunner: QueryRunner) {
    const target = queryRunner as unknown as { query: RawQuery };
    const original = target.query;
    const rules = this.rules;
    const sources = this.sources;
    target.query = function (this: QueryRunner, sql, ...rest) {
      for (const source of sources) {
        const context = source();
        const allowed = context && rules.get(context);
        if (allowed === undefined) continue;
        if (allowed === null || typeof sql !== 'string' || !allowed.test(sql)) {
          return Promise.reject(new NoTransactionError('finished', 'query', context!.id));
        }
      }
      return original.call(this, sql, ...rest);
    };
  }

  /** The guard of `queryRunner`, wrapping it on first use; `source` finds the running job. */
  static on(queryRunner: QueryRunner, source: ContextSource): QueryGuard {
    let guard = guards.get(queryRunner);
    if (!guard) guards.set(queryRunner, (guard = new QueryGuard(queryRunner)));
    guard.sources.add(source);
    return guard;
  }

  /** From now on the code of `context` may send only SQL matching `allowed`; nothing when `null`. */
  restrict(context: JobContext, allowed: RegExp | null): void {
    this.rules.set(context, allowed);
  }
}
