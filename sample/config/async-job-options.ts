import { type AsyncJobModuleOptions } from 'nestjs-asyncjob';
import { PgBossTransport } from 'nestjs-asyncjob/pg-boss';
import { RedisProgressTracker } from 'nestjs-asyncjob/redis';
import type { DataSource } from 'typeorm';
import type { SampleConfig, SampleRole } from './sample-config.js';

/** Key prefix of the sample's jobs in Redis: instances sharing it see each other's jobs. */
export const REDIS_KEY_PREFIX = 'framesmith:';

/**
 * The job module's options: each job gets its own transaction on the app's
 * DataSource. With the local engine, jobs run in the process that accepted
 * them, and with REDIS_URL progress and statuses live in Redis, so every
 * instance pointed at it sees the same jobs. With pg-boss, jobs are queued
 * in the app's PostgreSQL database and run by the worker processes.
 */
export function asyncJobOptions(config: SampleConfig, dataSource: DataSource, role: SampleRole): AsyncJobModuleOptions {
  return {
    dataSource,
    concurrency: config.concurrency,
    // Running jobs get this long to finish when the app stops; the rest are
    // recorded as interrupted (local engine) or handed back to the queue (pg-boss).
    shutdownTimeout: 5000,
    ...engineOptions(config, dataSource, role),
  };
}

function engineOptions(config: SampleConfig, dataSource: DataSource, role: SampleRole): Partial<AsyncJobModuleOptions> {
  if (config.jobs.engine === 'pg-boss') {
    // pg-boss runs on the DataSource's pool, in its database: a job is queued
    // in the transaction that saves its row (startIn), and its writes commit
    // with its completion. No tracker option: progress and statuses go to
    // PostgreSQL too, beside pg-boss's tables, so no Redis is needed.
    const transport = new PgBossTransport({
      dataSource,
      schema: config.jobs.schema,
      // The web process only enqueues; worker processes run the jobs.
      worker: role === 'worker',
      // Quick to pick up a job and to notice a killed worker, for a demo (defaults: 2 s and 30 s).
      pollingInterval: 0.5,
      heartbeat: 10,
    });
    return { transport };
  }
  return config.redisUrl ? { tracker: new RedisProgressTracker({ url: config.redisUrl, keyPrefix: REDIS_KEY_PREFIX }) } : {};
}
