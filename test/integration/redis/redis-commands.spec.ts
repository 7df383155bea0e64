import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisProgressTracker } from 'nestjs-asyncjob/redis';
import { createJobApp } from '../../helpers/job-app.js';
import { RedisServer } from '../../helpers/redis-server.js';
import { REDIS_HOST, commandCalls, inspector } from './redis-support.js';

/** Commands the test itself sends to read the figures; not the tracker's. */
const OWN_COMMANDS = new Set(['info', 'config|resetstat', 'config', 'ping', 'client|setinfo', 'client|setname', 'select', 'hello']);

/**
 * What 10 000 `setProgress` calls cost in Redis commands, counted by the
 * server itself (`INFO commandstats`) on a redis-server of the test's own, so
 * no other client's traffic is counted.
 */
describe('RedisProgressTracker: Redis commands per 10 000 progress updates', () => {
  let server: RedisServer;
  let stats: Redis;

  beforeAll(async () => {
    server = await RedisServer.start();
    stats = inspector(server.port, 0);
    await stats.connect();
  });
  afterAll(async () => {
    stats?.disconnect();
    await server?.stop();
  });

  it.each([
    ['a tight loop of awaited calls', false],
    ['a loop yielding to the event loop after every call', true],
  ])('%s: a handful of commands, bounded by the flush interval', async (_, yieldEachTime) => {
    const flushInterval = 100;
    const tracker = new RedisProgressTracker({ host: REDIS_HOST, port: server.port, db: 0, flushInterval });
    const app = await createJobApp({ tracker, paused: true });
    let loopMs = 0;
    try {
      const id = await app.jobs.perform(async () => {
        const started = performance.now();
        for (let value = 1; value <= 10_000; value++) {
          await app.jobs.setProgress(value, { value, of: 10_000 });
          if (yieldEachTime) await nextTurn();
        }
        loopMs = performance.now() - started;
      });
      await stats.config('RESETSTAT');
      app.jobs.resume();
      const final = await app.jobs.waitFor(id);
      expect(final.progress).toStrictEqual({ value: 10_000, data: { value: 10_000, of: 10_000 } });
      const calls = [...(await commandCalls(stats))].filter(([name]) => !OWN_COMMANDS.has(name));
      const total = calls.reduce((sum, [, count]) => sum + count, 0);
      const progressWrites = calls.find(([name]) => name === 'publish')?.[1] ?? 0;
      console.log(
        `[redis-commands] ${yieldEachTime ? 'yielding' : 'tight'} loop: 10 000 updates in ${loopMs.toFixed(0)} ms ` +
          `(${Math.round(10_000 / (loopMs / 1000))} updates/s accepted); Redis commands for the whole job: ${total} ` +
          `(${calls.map(([name, count]) => `${name}=${count}`).join(', ')})`,
      );
      // Round trips: one flush per interval at most, plus the first and the last, and the job's
      // own status writes (running, final) when they do not share one. Each is one EVAL, which
      // Redis counts along with the SET and PUBLISH it runs; the final write also DELetes the progress key.
      const flushes = Math.ceil(loopMs / flushInterval) + 2;
      const evals = calls.find(([name]) => name === 'eval')?.[1] ?? 0;
      expect(evals).toBeLessThanOrEqual(flushes + 2);
      expect(total).toBeLessThanOrEqual(3 * evals + 1);
      expect(progressWrites).toBeGreaterThanOrEqual(1);
    } finally {
      await app.close();
    }
  });
});
