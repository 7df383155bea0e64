/**
 * `nestjs-asyncjob/bullmq`: named jobs through a BullMQ queue, run by every
 * process with the worker role, on Redis or on BullMQ's PostgreSQL backend.
 * Needs the optional peers `bullmq` and `ioredis` (Redis) or `bullmq` and
 * `pg` (PostgreSQL).
 *
 * @packageDocumentation
 */
export { BullMqTransport } from './bullmq-transport.js';
export type {
  BullMqJobSettings,
  BullMqPostgresConnection,
  BullMqRetention,
  BullMqTransportOptions,
} from './bullmq-transport-options.interface.js';
// The PostgreSQL connection's types are the tracker's own (nestjs-asyncjob/postgres): one pool type for both.
export type { PostgresPool, PostgresPoolConfig, PostgresQueryResult } from '../progress/postgres/postgres-pool.interface.js';
