import { loadOptionalPeer } from '../../utils/optional-peer.js';
import type { PgModule } from './pg-driver.types.js';

/**
 * node-postgres, loaded when a tracker is constructed, never by importing the
 * library: apps without PostgreSQL need not install it. Loading synchronously
 * keeps the constructor synchronous, so `forRoot({ tracker: new
 * PostgresProgressTracker() })` needs no async factory.
 */
export function loadPg(feature: string): PgModule {
  return loadOptionalPeer<PgModule>('pg', feature);
}
