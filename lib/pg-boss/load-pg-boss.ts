import { loadOptionalPeer } from '../utils/optional-peer.js';

/** The pg-boss module's exports, as a type only: nothing of pg-boss is loaded by importing this file. */
export type PgBossModule = typeof import('pg-boss');

/** What the transport uses of `pg` (it ships no types of its own): a pool built from options. */
export interface PgModule {
  readonly Pool: new (config: object) => import('./pg-boss-transport-options.interface.js').PgBossPool & {
    end(): Promise<void>;
    on(event: 'error', listener: (error: Error) => void): unknown;
  };
}

/** pg-boss, loaded when a module with a `PgBossTransport` starts. */
export function loadPgBoss(): PgBossModule {
  return loadOptionalPeer<PgBossModule>('pg-boss', 'PgBossTransport');
}

/** pg, for a pool the transport opens from a URL or options. */
export function loadPg(): PgModule {
  return loadOptionalPeer<PgModule>('pg', 'PgBossTransport');
}
