import { loadOptionalPeer } from '../utils/optional-peer.js';

/** The pg-boss module's exports, as a type only: nothing of pg-boss is loaded by importing this file. */
export type PgBossModule = typeof import('pg-boss');

/** pg-boss, loaded when a module with a `PgBossTransport` starts. */
export function loadPgBoss(): PgBossModule {
  return loadOptionalPeer<PgBossModule>('pg-boss', 'PgBossTransport');
}
