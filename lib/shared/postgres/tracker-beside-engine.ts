import type { PostgresPool, PostgresPoolConfig } from '../../progress/postgres/postgres-pool.interface.js';
import { PostgresProgressTracker } from '../../progress/postgres/postgres-progress-tracker.js';
import type { PostgresSource } from './postgres-source.js';

/**
 * The module's tracker when a queue transport on PostgreSQL (pg-boss, or
 * BullMQ's PostgreSQL backend) is given none: a PostgresProgressTracker on
 * the same database, so such an app needs nothing but PostgreSQL for
 * progress and statuses too. A pool the app gave is shared, and left open.
 *
 * Its table is in a schema of its own, `<engineSchema>_progress`: the
 * engines create their schema under a lock of their own and fail when
 * another session creates the same schema at that moment, which the
 * tracker, starting beside them, would.
 */
export function trackerBesideEngine(source: PostgresSource<object, object>, engineSchema: string): PostgresProgressTracker {
  const schema = `${engineSchema}_progress`;
  if ('pool' in source) {
    // The app's pg.Pool: the transport's type names what its engine needs of it, the tracker's what the tracker needs.
    return new PostgresProgressTracker({ pool: source.pool as PostgresPool, schema });
  }
  // node-postgres pool options, as the transport took them; the tracker checks them again.
  return new PostgresProgressTracker({ poolConfig: source.config as PostgresPoolConfig, schema });
}
