/**
 * node-postgres's `Pool`, for the pool a queue transport opens from a URL or
 * options (pg-boss's, and the BullMQ transport's own on PostgreSQL). Loaded
 * when the transport's module starts, never by importing the library.
 */
import { loadOptionalPeer } from '../../utils/optional-peer.js';
import type { ListenSource } from './notify-listener.js';

/** A pool the transport opened: it runs the transport's statements and lends LISTEN its connection, and the transport ends it. */
export interface OpenedPool extends ListenSource {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** What a transport uses of `pg` (it ships no types of its own): a pool built from options. */
export interface PgPoolModule {
  readonly Pool: new (config: object) => OpenedPool;
}

/** pg, for a pool `feature` opens. */
export function loadPgPool(feature: string): PgPoolModule {
  return loadOptionalPeer<PgPoolModule>('pg', feature);
}
