/**
 * `nestjs-asyncjob/bullmq`: named jobs through a BullMQ queue on Redis, run
 * by every process with the worker role. Needs the optional peers `bullmq`
 * and `ioredis`.
 *
 * @packageDocumentation
 */
export { BullMqTransport } from './bullmq-transport.js';
export type { BullMqJobSettings, BullMqRetention, BullMqTransportOptions } from './bullmq-transport-options.interface.js';
