/**
 * `nestjs-asyncjob/redis`: progress and statuses in Redis, shared by every
 * process of an app. Needs the optional peer `ioredis`.
 *
 * @packageDocumentation
 */
export { RedisProgressTracker } from '../progress/redis-progress-tracker.js';
export type { RedisProgressTrackerOptions } from '../progress/redis/redis-progress-tracker-options.interface.js';
