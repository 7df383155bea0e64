/**
 * `nestjs-asyncjob/pg-boss`: named jobs through pg-boss queues on
 * PostgreSQL, run by every process with the worker role. Needs the
 * optional peers `pg-boss` and `pg`.
 *
 * @packageDocumentation
 */
export { PgBossTransport } from './pg-boss-transport.js';
export type {
  PgBossConnectionConfig,
  PgBossDataSource,
  PgBossJobSettings,
  PgBossPool,
  PgBossPoolClient,
  PgBossTransportOptions,
} from './pg-boss-transport-options.interface.js';
