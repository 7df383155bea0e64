/**
 * The transport's PostgreSQL: the app's pool, or one it opens (and ends)
 * from a URL or options. pg-boss runs on it through its `db` option, so one
 * pool serves pg-boss, the transport's own statements and its LISTEN
 * connection.
 */
import type { Db } from 'pg-boss';
import type { PgBossSettings } from './pg-boss-options.js';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import type { PgBossConnectionConfig, PgBossDataSource, PgBossPool, PgBossPoolClient } from './pg-boss-transport-options.interface.js';
import type { ReportError } from '../shared/throttled-error-log.js';
import type { TransactionSql } from '../transport/transaction-sql.js';
import { loadPgPool } from '../shared/postgres/load-pg-pool.js';

export class BossDatabase {
  private shared: PgBossPool | undefined;
  /** A DataSource whose pool is taken on first use: it may be initialized after the transport is built. */
  private readonly dataSource: PgBossDataSource | undefined;
  /** Set when the pool is the transport's own: ended at close. */
  private readonly end: (() => Promise<void>) | undefined;

  constructor(connection: PgBossSettings['connection'], report: ReportError) {
    this.end = undefined;
    if ('pool' in connection) {
      this.shared = connection.pool;
    } else if ('dataSource' in connection) {
      this.dataSource = connection.dataSource;
    } else {
      const pool = new (loadPgPool('PgBossTransport').Pool)({ application_name: 'asyncjob', ...connection.config });
      // An idle connection that breaks must not crash the process: pg emits it on the pool.
      pool.on('error', (error) => report('pool', error));
      this.shared = pool;
      this.end = () => pool.end();
    }
  }

  get pool(): PgBossPool {
    this.shared ??= poolOf(this.dataSource!);
    return this.shared;
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

/** pg-boss's `db` option on a transaction someone else holds: what pg-boss sends through it commits with that transaction. */
export function bossDbIn(sql: TransactionSql): Db {
  return { executeSql: async (text, values) => ({ rows: await sql.query(text, values ?? []) }) };
}

/** The `pg` pool of a TypeORM DataSource's PostgreSQL driver (its `master`). */
function poolOf(dataSource: PgBossDataSource): PgBossPool {
  const pool = (dataSource.driver as { master?: Partial<PgBossPool> }).master;
  if (!dataSource.isInitialized || typeof pool?.query !== 'function' || typeof pool.connect !== 'function') {
    throw new InvalidOptionError(
      'PgBossTransport.dataSource',
      dataSource.options.type,
      'an initialized DataSource (call dataSource.initialize() first)',
    );
  }
  return pool as PgBossPool;
}

/** TypeORM's PostgreSQL connection options as node-postgres names them, for a pool beside the DataSource's. */
export function poolConfigOf(dataSource: PgBossDataSource): PgBossConnectionConfig {
  const options = dataSource.options as Readonly<Record<string, unknown>>;
  const config: Record<string, unknown> = { max: 4 };
  const names = {
    url: 'connectionString',
    host: 'host',
    port: 'port',
    username: 'user',
    password: 'password',
    database: 'database',
    ssl: 'ssl',
  };
  for (const [typeorm, pg] of Object.entries(names)) if (options[typeorm] !== undefined) config[pg] = options[typeorm];
  return config as PgBossConnectionConfig;
}
