import { type AsyncJobModuleOptions } from 'nestjs-asyncjob';
import { RedisProgressTracker } from 'nestjs-asyncjob/redis';
import type { DataSource } from 'typeorm';
import type { SampleConfig } from './sample-config.js';

/** Key prefix of the sample's jobs in Redis: instances sharing it see each other's jobs. */
export const REDIS_KEY_PREFIX = 'framesmith:';

/**
 * The job module's options: each job gets its own transaction on the app's
 * DataSource, and with REDIS_URL progress and statuses live in Redis, so
 * every instance pointed at it sees the same jobs.
 */
export function asyncJobOptions(config: SampleConfig, dataSource: DataSource): AsyncJobModuleOptions {
  return {
    dataSource,
    concurrency: config.concurrency,
    // Running jobs get this long to finish when the app stops; the rest are recorded as interrupted.
    shutdownTimeout: 5000,
    ...(config.redisUrl ? { tracker: new RedisProgressTracker({ url: config.redisUrl, keyPrefix: REDIS_KEY_PREFIX }) } : {}),
  };
}
