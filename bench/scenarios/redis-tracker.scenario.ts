import { Redis } from 'ioredis';
import type { Variant } from '../harness/alternate.js';
import type { Profile } from '../harness/profile.js';
import { defineCase, microsSince, type BenchCase, type Scenario } from '../harness/scenario.js';
import type { Figures, MetricSpec } from '../harness/types.js';
import type { AsyncJobModuleOptions, ProgressTracker } from '../../lib/index.js';
import { AsyncJobQueue } from '../queues/async-job.queue.js';
import { OURS } from '../queues/variants.js';
import { PrivateRedis } from '../services/redis-server.js';
import { RedisProgressTracker } from '../../lib/redis/index.js';

export const REDIS_CASE_ID = 'progress-updates';
const KEY_LIFETIME_SECONDS = 3600;

export const PER_UPDATE_ACCEPTED: MetricSpec = {
  key: 'accepted',
  label: 'per update, until the call returns',
  unit: 'µs',
  better: 'lower',
};
export const UPDATES_PER_SECOND: MetricSpec = { key: 'perSecond', label: 'updates accepted per second', unit: '/s', better: 'higher' };
export const PER_UPDATE_WRITTEN: MetricSpec = { key: 'written', label: 'per update, until all are written', unit: 'µs', better: 'lower' };
export const COMMANDS_PER_UPDATES: MetricSpec = { key: 'commands', label: 'Redis commands, whole job', unit: 'commands', better: 'lower' };
export const COMMANDS_WITHOUT_UPDATES: MetricSpec = {
  key: 'bareCommands',
  label: 'Redis commands of a job with no update (included above)',
  unit: 'commands',
  better: 'lower',
  compare: false,
};

type TrackerClass = new (options: { host: string; port: number }) => ProgressTracker;

/** Microseconds until every update call returned, and until every update was in Redis. */
interface UpdateTimes {
  readonly accepted: number;
  readonly written: number;
}

interface UpdateSession {
  send(updates: number): Promise<UpdateTimes>;
  close(): Promise<void>;
}

/** Something that writes a job's progress to Redis `updates` times: the tracker, or raw ioredis. */
interface UpdateSink extends Variant {
  open(port: number): Promise<UpdateSession>;
}

function payload(i: number): string {
  return JSON.stringify([i, { done: i }]);
}

/** Raw ioredis, the way a hand-rolled tracker writes: `SET key value EX`, awaited one by one or pipelined. */
function rawIoredis(pipelined: boolean): UpdateSink {
  return {
    name: pipelined ? 'ioredis SET EX, pipelined' : 'ioredis SET EX, awaited one by one',
    role: 'baseline',
    open: async (port) => {
      const client = new Redis({ host: '127.0.0.1', port });
      await client.ping();
      return {
        send: async (updates) => {
          const start = process.hrtime.bigint();
          if (!pipelined) {
            for (let i = 0; i < updates; i++) await client.set('bench:progress', payload(i), 'EX', KEY_LIFETIME_SECONDS);
            const elapsed = microsSince(start);
            return { accepted: elapsed, written: elapsed };
          }
          const pipeline = client.pipeline();
          for (let i = 0; i < updates; i++) pipeline.set('bench:progress', payload(i), 'EX', KEY_LIFETIME_SECONDS);
          const accepted = microsSince(start);
          await pipeline.exec();
          return { accepted, written: microsSince(start) };
        },
        close: async () => void (await client.quit()),
      };
    },
  };
}

export function trackedJobName(awaited: boolean): string {
  return `${OURS.name}, setProgress ${awaited ? 'awaited' : 'not awaited'}`;
}

/** One job calling `setProgress` in a tight loop, through the Redis tracker; written once the job is finished. */
function trackedJob(Tracker: TrackerClass, awaited: boolean): UpdateSink {
  return {
    name: trackedJobName(awaited),
    role: 'ours',
    open: async (port) => {
      const options: AsyncJobModuleOptions = { tracker: new Tracker({ host: '127.0.0.1', port }) };
      const queue = await AsyncJobQueue.open(options);
      const jobs = queue.service;
      return {
        send: async (updates) => {
          let accepted = 0;
          const start = process.hrtime.bigint();
          const id = await jobs.perform(async () => {
            const loop = process.hrtime.bigint();
            for (let i = 0; i < updates; i++) {
              const update = jobs.setProgress(i, { done: i });
              if (awaited) await update;
            }
            accepted = microsSince(loop);
          });
          await jobs.waitFor(id);
          return { accepted, written: microsSince(start) };
        },
        close: () => queue.close(),
      };
    },
  };
}

/**
 * Against a redis-server of this process's own: a warm-up of 1 000 updates,
 * then `updates` timed and the server's commands counted.
 */
async function measureUpdates(sink: UpdateSink, updates: number): Promise<Figures> {
  const redis = await PrivateRedis.start();
  try {
    const session = await sink.open(redis.port);
    await session.send(Math.min(updates, 1_000));
    await redis.resetCounts();
    await session.send(0);
    const bareCommands = await redis.commandCount();
    await redis.resetCounts();
    const times = await session.send(updates);
    const commands = await redis.commandCount();
    await session.close();
    return {
      accepted: times.accepted / updates,
      perSecond: updates / (times.accepted / 1e6),
      written: times.written / updates,
      commands,
      bareCommands,
    };
  } finally {
    await redis.stop();
  }
}

function redisCase(profile: Profile): BenchCase {
  const { updates } = profile.redis;
  return defineCase<UpdateSink>({
    id: REDIS_CASE_ID,
    title: `one job, ${updates.toLocaleString('en-US')} progress updates in a tight loop (a private redis-server on loopback)`,
    rounds: profile.rounds.normal,
    metrics: [PER_UPDATE_ACCEPTED, UPDATES_PER_SECOND, PER_UPDATE_WRITTEN, COMMANDS_PER_UPDATES, COMMANDS_WITHOUT_UPDATES],
    variants: [trackedJob(RedisProgressTracker, true), trackedJob(RedisProgressTracker, false), rawIoredis(false), rawIoredis(true)],
    measure: (sink) => measureUpdates(sink, updates),
  });
}

export const redisTrackerScenario: Scenario = {
  number: 4,
  title: 'Redis tracker: progress updates from one job',
  cases: (profile) => [redisCase(profile)],
};
