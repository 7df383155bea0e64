import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { RedisProgressTracker } from 'nestjs-asyncjob/redis';
import { describeTrackerContract } from './tracker-suite.js';
import { REDIS_DB, REDIS_HOST, REDIS_PORT, deletePrefix, requireRedis, uniquePrefix } from '../integration/redis/redis-support.js';

let redis: Redis;
beforeAll(async () => {
  redis = await requireRedis();
});
afterAll(() => redis?.disconnect());

// The suite writes through one tracker and reads through another on the same keys, as a second process would.
describeTrackerContract('RedisProgressTracker', async () => {
  const keyPrefix = uniquePrefix('contract');
  const options = { host: REDIS_HOST, port: REDIS_PORT, db: REDIS_DB, keyPrefix };
  const tracker = new RedisProgressTracker(options);
  const reader = new RedisProgressTracker(options);
  return {
    tracker,
    reader,
    settle: () => tracker.flush(),
    dispose: async () => {
      await Promise.all([tracker.close(), reader.close()]);
      await deletePrefix(redis, keyPrefix);
    },
  };
});
