import { Redis } from 'ioredis';
import type { Profile } from '../harness/profile.js';
import { defineCase, microsSince, type BenchCase, type Scenario } from '../harness/scenario.js';
import type { Figures } from '../harness/types.js';
import { measureUpdates, trackedJob, updateMetrics, updatePayload, type UpdateSink } from '../queues/progress-updates.js';
import { PrivateRedis } from '../services/redis-server.js';
import { RedisProgressTracker } from '../../lib/redis/index.js';

export const REDIS_CASE_ID = 'progress-updates';
const KEY_LIFETIME_SECONDS = 3600;

/** Raw ioredis, the way a hand-rolled tracker writes: `SET key value EX`, awaited one by one or pipelined. */
function rawIoredis(pipelined: boolean): UpdateSink<PrivateRedis> {
  return {
    name: pipelined ? 'ioredis SET EX, pipelined' : 'ioredis SET EX, awaited one by one',
    role: 'baseline',
    open: async (redis) => {
      const client = new Redis({ host: '127.0.0.1', port: redis.port });
      await client.ping();
      return {
        send: async (updates) => {
          const start = process.hrtime.bigint();
          if (!pipelined) {
            for (let i = 0; i < updates; i++) await client.set('bench:progress', updatePayload(i), 'EX', KEY_LIFETIME_SECONDS);
            const elapsed = microsSince(start);
            return { accepted: elapsed, written: elapsed };
          }
          const pipeline = client.pipeline();
          for (let i = 0; i < updates; i++) pipeline.set('bench:progress', updatePayload(i), 'EX', KEY_LIFETIME_SECONDS);
          const accepted = microsSince(start);
          await pipeline.exec();
          return { accepted, written: microsSince(start) };
        },
        close: async () => void (await client.quit()),
      };
    },
  };
}

/** The Redis tracker on the private redis-server. */
const redisTracker = (redis: PrivateRedis) => new RedisProgressTracker({ host: '127.0.0.1', port: redis.port });

/** Against a redis-server of this process's own, whose command counts are then the bench's alone. */
async function measureOnRedis(sink: UpdateSink<PrivateRedis>, updates: number): Promise<Figures> {
  const redis = await PrivateRedis.start();
  try {
    const session = await sink.open(redis);
    const figures = await measureUpdates(session, updates, { reset: () => redis.resetCounts(), read: () => redis.commandCount() });
    await session.close();
    return figures;
  } finally {
    await redis.stop();
  }
}

function redisCase(profile: Profile): BenchCase {
  const { updates } = profile.redis;
  return defineCase<UpdateSink<PrivateRedis>>({
    id: REDIS_CASE_ID,
    title: `one job, ${updates.toLocaleString('en-US')} progress updates in a tight loop (a private redis-server on loopback)`,
    rounds: profile.rounds.normal,
    metrics: updateMetrics('Redis', 'commands'),
    variants: [trackedJob(redisTracker, 'awaited'), trackedJob(redisTracker, 'not awaited'), rawIoredis(false), rawIoredis(true)],
    measure: (sink) => measureOnRedis(sink, updates),
  });
}

export const redisTrackerScenario: Scenario = {
  number: 4,
  title: 'Redis tracker: progress updates from one job',
  cases: (profile) => [redisCase(profile)],
};
