/**
 * `nestjs-asyncjob/postgres`: progress and statuses in a PostgreSQL table,
 * shared by every process of an app, with changes announced over
 * LISTEN/NOTIFY. Needs the optional peer `pg`.
 *
 * @packageDocumentation
 */
export { PostgresProgressTracker } from '../progress/postgres/postgres-progress-tracker.js';
export type { PostgresProgressTrackerOptions } from '../progress/postgres/postgres-progress-tracker-options.interface.js';
export type { PostgresPool, PostgresPoolConfig, PostgresQueryResult } from '../progress/postgres/postgres-pool.interface.js';
