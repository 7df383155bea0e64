/**
 * The few shapes of node-postgres the tracker touches, written here because
 * `pg` ships no types of its own and the library must build (and its users
 * compile) without `@types/pg`. Nothing of `pg` is loaded by importing this.
 */
import type { PostgresPool, PostgresPoolConfig, PostgresQueryResult } from './postgres-pool.interface.js';

/** A LISTEN notification, as `pg.Client` emits it. */
export interface PgNotification {
  readonly channel: string;
  readonly payload?: string | undefined;
}

/** A single connection, `new pg.Client(config)`: the tracker's listener. */
export interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: PgNotification) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

/** A pool the tracker opened, with the settings it was opened with. */
export interface PgPool extends PostgresPool {
  readonly options?: PostgresPoolConfig;
}

/** The exports of the `pg` module the tracker uses. */
export interface PgModule {
  readonly Pool: new (config: PostgresPoolConfig) => PgPool;
  readonly Client: new (config: PostgresPoolConfig) => PgClient;
  escapeIdentifier(name: string): string;
}
