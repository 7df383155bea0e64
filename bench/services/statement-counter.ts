import { pg, type ClientQuery } from './pg-driver.js';

/**
 * Counts the statements this process sends to PostgreSQL, at the driver.
 *
 * Why here, and not at the server or at one pool: everything the measured
 * code sends (pg-boss, the transport, the tracker's pool and its own
 * listening connection) goes through a node-postgres `Client`, and every
 * statement a `Client` sends, simple or extended protocol, pooled or not,
 * starts in `Client.prototype.query`. Counting there cannot miss one. The
 * server's own counters can: `pg_stat_database.xact_commit` counts a
 * multi-statement query as one transaction, `pg_stat_user_tables` counts
 * rows changed and no SELECT or NOTIFY, both are flushed by each backend
 * lazily, and `pg_stat_statements` is not loaded on this server. A pool
 * wrapper would miss the listening connection, which the tracker opens with
 * `new pg.Client` beside the pool.
 *
 * A query text holding several statements (`a; b`) counts as as many; a `;`
 * inside a literal counts too, so the count errs high, never low. Only what
 * is sent between `reset` and `read` counts, and the bench sends nothing of
 * its own in between.
 */
export class StatementCounter {
  private static installed: StatementCounter | undefined;
  private count = 0;

  private constructor() {}

  /** The process's counter, patched into node-postgres on first use (and left there: a measuring process ends after its run). */
  static install(): StatementCounter {
    if (StatementCounter.installed) return StatementCounter.installed;
    const counter = new StatementCounter();
    const prototype = pg.Client.prototype;
    const query: ClientQuery = prototype.query;
    prototype.query = function (this: unknown, config: unknown, ...rest: unknown[]): unknown {
      counter.count += statementsIn(config);
      return query.call(this, config, ...rest);
    };
    StatementCounter.installed = counter;
    return counter;
  }

  reset(): void {
    this.count = 0;
  }

  /** Statements sent since the last `reset`. */
  read(): number {
    return this.count;
  }
}

/** Statements in one `query` call: a text (or `{ text }`), split at each `;` that something follows. */
function statementsIn(config: unknown): number {
  const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
  if (typeof text !== 'string') return 1;
  return 1 + (text.match(/;\s*\S/g)?.length ?? 0);
}
