import type { PostgresPool, PostgresPoolConfig } from '../progress/postgres/postgres-pool.interface.js';
import { PostgresProgressTracker } from '../progress/postgres/postgres-progress-tracker.js';
import type { PgBossSettings } from './pg-boss-options.js';

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
  // node-postgres pool options, as the transport took them; the tracker checks them again.
  return new PostgresProgressTracker({ poolConfig: connection.config as PostgresPoolConfig, schema });
}
