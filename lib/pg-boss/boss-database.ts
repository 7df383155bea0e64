/**
 * The transport's PostgreSQL: the app's pool, or one it opens (and ends)
 * from a URL or options. pg-boss runs on it through its `db` option, so one
 * pool serves pg-boss, the transport's own statements and its LISTEN
 * connection.
 */
import type { Db } from 'pg-boss';
import type { PgBossSettings } from './pg-boss-options.js';
import type { PgBossPool, PgBossPoolClient } from './pg-boss-transport-options.interface.js';
import type { ReportError } from '../shared/throttled-error-log.js';
import { loadPgPool } from '../shared/postgres/load-pg-pool.js';

export class BossDatabase {
  readonly pool: PgBossPool;
  /** Set when the pool is the transport's own: ended at close. */
  private readonly end: (() => Promise<void>) | undefined;

  constructor(connection: PgBossSettings['connection'], report: ReportError) {
    if ('pool' in connection) {
      this.pool = connection.pool;
      this.end = undefined;
    } else {
      const pool = new (loadPgPool('PgBossTransport').Pool)({ application_name: 'asyncjob', ...connection.config });
      // An idle connection that breaks must not crash the process: pg emits it on the pool.
      pool.on('error', (error) => report('pool', error));
      this.pool = pool;
      this.end = () => pool.end();
    }
  }

  /** pg-boss's `db` option: every statement it runs goes through the pool. */
  readonly boss: Db = {
    executeSql: (text: string, values?: unknown[]) => this.pool.query(text, values) as Promise<{ rows: never[] }>,
  };

  query<Row>(text: string, values: unknown[]): Promise<Row[]> {
    return this.pool.query(text, values).then((result) => result.rows as Row[]);
  }

  /** A connection of its own, for LISTEN. */
  connect(): Promise<PgBossPoolClient> {
    return this.pool.connect();
  }

  async close(): Promise<void> {
    await this.end?.();
  }
}
