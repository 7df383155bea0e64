import type { PostgresPool, PostgresPoolConfig } from '../progress/postgres/postgres-pool.interface.js';
import { PostgresProgressTracker } from '../progress/postgres/postgres-progress-tracker.js';
import type { PgBossSettings } from './pg-boss-options.js';
import type { PgBossDataSource } from './pg-boss-transport-options.interface.js';

/**
 * The module's tracker when a pg-boss module is given none: a
 * PostgresProgressTracker on the same database, so an app on pg-boss needs
 * nothing but PostgreSQL for progress and statuses too. A pool the app gave
 * is shared, and left open.
 *
 * Its table is in a schema of its own, `<schema>_progress`: pg-boss creates
 * its schema under a lock of its own and fails when another session creates
 * the same schema at that moment, which the tracker, starting beside it,
 * would.
 */
export function trackerBesideJobs(settings: PgBossSettings): PostgresProgressTracker {
  const { connection } = settings;
  const schema = `${settings.schema}_progress`;
  if ('pool' in connection) {
    // The app's pg.Pool: the transport's type names only what pg-boss needs of it, the tracker's what the tracker needs.
    return new PostgresProgressTracker({ pool: connection.pool as unknown as PostgresPool, schema });
  }
  if ('dataSource' in connection) {
    // A pool of its own, from the DataSource's settings: the DataSource may not be initialized yet.
    return new PostgresProgressTracker({ poolConfig: poolConfigOf(connection.dataSource), schema });
  }
  // node-postgres pool options, as the transport took them; the tracker checks them again.
  return new PostgresProgressTracker({ poolConfig: connection.config as PostgresPoolConfig, schema });
}

/** TypeORM's PostgreSQL connection options, as node-postgres names them. */
function poolConfigOf(dataSource: PgBossDataSource): PostgresPoolConfig {
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
  return config as PostgresPoolConfig;
}
