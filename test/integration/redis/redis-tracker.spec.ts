import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { firstValueFrom, toArray } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AsyncJobModule, AsyncJobService, InvalidOptionError, TrackerUnavailableError, type JobProgress } from 'nestjs-asyncjob';
import { RedisProgressTracker } from 'nestjs-asyncjob/redis';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { createJobApp, gate, until, type JobApp } from '../../helpers/job-app.js';
import { REDIS_DB, REDIS_HOST, REDIS_PORT, deletePrefix, keysUnder, requireRedis, uniquePrefix } from './redis-support.js';

let redis: Redis;
const prefixes: string[] = [];
const trackers: RedisProgressTracker[] = [];
const apps: JobApp[] = [];

function newTracker(options: ConstructorParameters<typeof RedisProgressTracker>[0] = {}): RedisProgressTracker {
  const keyPrefix = options.keyPrefix ?? uniquePrefix('tracker');
  prefixes.push(keyPrefix);
  const tracker = new RedisProgressTracker(
    options.client || options.url ? { keyPrefix, ...options } : { host: REDIS_HOST, port: REDIS_PORT, db: REDIS_DB, keyPrefix, ...options },
  );
  trackers.push(tracker);
  return tracker;
}

async function newApp(tracker: RedisProgressTracker, options: Parameters<typeof createJobApp>[0] = {}): Promise<JobApp> {
  const app = await createJobApp({ tracker, ...options });
  apps.push(app);
  return app;
}

beforeAll(async () => {
  redis = await requireRedis();
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  vi.restoreAllMocks();
  for (const tracker of trackers.splice(0)) await tracker.close();
  for (const prefix of prefixes.splice(0)) await deletePrefix(redis, prefix);
});
afterAll(() => redis?.disconnect());

describe('RedisProgressTracker: keys and lifetimes', () => {
  it('keeps progress under the prefixed job id as a JSON [value, data] array', async () => {
    const tracker = newTracker({ keyPrefix: uniquePrefix('layout') });
    const id = `asyncjob_${randomUUID()}`;
    await tracker.track(id);
    expect(await redis.get(`${tracker.keyPrefix}${id}`)).toBe('[-1,null]');
    tracker.setProgress(id, 3, { step: 'àèìòù' });
    await tracker.flush();
    expect(JSON.parse((await redis.get(`${tracker.keyPrefix}${id}`))!)).toStrictEqual([3, { step: 'àèìòù' }]);
  });

  it('answers a progress key that holds something else with a TrackerUnavailableError naming the key', async () => {
    const tracker = newTracker({ keyPrefix: uniquePrefix('foreign') });
    const id = `asyncjob_${randomUUID()}`;
    for (const foreign of ['not json', '{"value":3}']) {
      await redis.set(`${tracker.keyPrefix}${id}`, foreign);
      const error: unknown = await Promise.resolve(tracker.getProgress(id)).catch((rejected: unknown) => rejected);
      expect(error).toBeInstanceOf(TrackerUnavailableError);
      expect((error as Error).message).toContain(`key ${tracker.keyPrefix}${id} does not hold progress`);
    }
  });

  it("with keyPrefix '' the key is the bare job id", async () => {
    const tracker = newTracker({ keyPrefix: '' });
    const id = `asyncjob-test:bare:${randomUUID()}`;
    prefixes.push(id);
    await tracker.track(id);
    tracker.setProgress(id, 0, { hello: 'World' });
    await tracker.flush();
    expect(await redis.get(id)).toBe('[0,{"hello":"World"}]');
    await tracker.remove(id);
  });

  it('gives every key it writes a lifetime: timeout for an active job, retention for a final status', async () => {
    const tracker = newTracker({ timeout: 600 });
    const app = await newApp(tracker, { retention: 120_000 });
    const release = gate();
    const id = await app.jobs.perform(async () => {
      await app.jobs.setProgress(1, 'working');
      await release.promise;
    });
    await until(async () => (await redis.get(`${tracker.keyPrefix}${id}`)) === '[1,"working"]', 'the progress is written');
    for (const key of await keysUnder(redis, tracker.keyPrefix)) {
      const ttl = await redis.pttl(key);
      expect(ttl, key).toBeGreaterThan(500_000);
      expect(ttl, key).toBeLessThanOrEqual(600_000);
    }
    release.open();
    await app.jobs.waitFor(id);
    expect(await keysUnder(redis, tracker.keyPrefix)).toStrictEqual([`${tracker.keyPrefix}${id}:status`]);
    const ttl = await redis.pttl(`${tracker.keyPrefix}${id}:status`);
    expect(ttl).toBeGreaterThan(100_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it('keeps a job queued longer than timeout alive: it never looks finished while its process lives', async () => {
    const tracker = newTracker({ timeout: 2 });
    const app = await newApp(tracker, { paused: true });
    const id = await app.jobs.perform(() => 'done');
    const key = `${tracker.keyPrefix}${id}`;
    // Watch it across three lifetimes: the keys are renewed every timeout / 3.
    const watchUntil = Date.now() + 6000;
    while (Date.now() < watchUntil) {
      expect(await app.jobs.getProgress(id)).toStrictEqual({ value: -1, data: null });
      expect((await tracker.getStatus(id))?.state).toBe('queued');
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(2000);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    app.jobs.resume();
    expect((await app.jobs.waitFor(id)).state).toBe('completed');
  });

  it('lets the keys of a process that died expire after timeout', async () => {
    const keyPrefix = uniquePrefix('expiry');
    const dying = newTracker({ keyPrefix, timeout: 1 });
    const reader = newTracker({ keyPrefix });
    const app = await newApp(dying, { paused: true, shutdownTimeout: 1 });
    const id = await app.jobs.perform(() => undefined);
    await dying.setProgress(id, 4, 'half');
    await dying.flush();
    expect(await reader.getProgress(id)).toStrictEqual({ value: 4, data: 'half' });
    // A crash: the tracker stops renewing, nothing is removed. (Shutting the app down later logs that the tracker is closed.)
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await dying.close();
    await until(
      async () => (await reader.getProgress(id)) === null && (await reader.getStatus(id)) === null,
      'the dead job expires',
      10_000,
    );
    expect(await keysUnder(redis, keyPrefix)).toStrictEqual([]);
  });
});

describe('RedisProgressTracker: shared between apps', () => {
  it('keeps apps with different prefixes apart, and shares jobs between apps with the same one', async () => {
    const shop = uniquePrefix('shop');
    const blog = uniquePrefix('blog');
    const shopA = await newApp(newTracker({ keyPrefix: shop }));
    const shopB = await newApp(newTracker({ keyPrefix: shop }));
    const blogApp = await newApp(newTracker({ keyPrefix: blog }));
    const release = gate();
    const id = await shopA.jobs.perform(async () => {
      await shopA.jobs.setProgress(2, 'shop');
      await release.promise;
      return 'sold';
    });
    await until(async () => (await shopB.jobs.getProgress(id))?.value === 2, 'the other shop process sees the progress');
    expect(await blogApp.jobs.getProgress(id)).toBeNull();
    expect(await blogApp.jobs.getStatus(id)).toBeNull();
    await expect(blogApp.jobs.waitFor(id)).rejects.toThrow(/No job with id/);
    release.open();
    expect(await shopB.jobs.waitFor(id)).toMatchObject({ state: 'completed', result: 'sold' });
    expect((await keysUnder(redis, blog)).length).toBe(0);
  });

  it("follows another app's job through pub/sub: waitFor and progress$ see every state without polling", async () => {
    const keyPrefix = uniquePrefix('follow');
    const owner = await newApp(newTracker({ keyPrefix, flushInterval: 10 }), { paused: true });
    const followerTracker = newTracker({ keyPrefix });
    const follower = await newApp(followerTracker);
    const watch = vi.spyOn(followerTracker, 'watch');
    const steps = [gate(), gate(), gate()];
    const id = await owner.jobs.perform(async () => {
      for (let step = 0; step < steps.length; step++) {
        await steps[step]!.promise;
        await owner.jobs.setProgress(step + 1, { step });
      }
      return 'ok';
    });
    const seen: JobProgress[] = [];
    const streamed = firstValueFrom(follower.jobs.progress$(id).pipe(toArray()));
    const sub = follower.jobs.progress$(id).subscribe((progress) => seen.push(progress));
    const finished = follower.jobs.waitFor(id);
    await until(() => seen.length === 1, 'the stream starts with the queued value');
    owner.jobs.resume();
    for (let step = 0; step < steps.length; step++) {
      steps[step]!.open();
      await until(() => seen.at(-1)?.value === step + 1, `progress ${step + 1} is streamed`);
    }
    expect((await finished).state).toBe('completed');
    expect(await streamed).toStrictEqual([
      { value: -1, data: null },
      { value: 1, data: { step: 0 } },
      { value: 2, data: { step: 1 } },
      { value: 3, data: { step: 2 } },
    ]);
    sub.unsubscribe();
    expect(watch).toHaveBeenCalled();
  });

  it('uses one subscriber connection per process however many jobs it follows', async () => {
    const keyPrefix = uniquePrefix('subs');
    const connectionName = `asyncjob-test-${randomUUID().slice(0, 8)}`;
    const owner = await newApp(newTracker({ keyPrefix }), { paused: true });
    const follower = await newApp(newTracker({ keyPrefix, redisOptions: { connectionName } }));
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => owner.jobs.perform(() => i)));
    const subscriptions = ids.flatMap((id) => [follower.jobs.progress$(id).subscribe(), follower.jobs.progress$(id).subscribe()]);
    const waits = ids.map((id) => follower.jobs.waitFor(id));
    const subscribers = async (): Promise<string[]> =>
      ((await redis.client('LIST')) as string).split('\n').filter((line) => line.includes(`name=${connectionName}:subscriber `));
    await until(async () => (await subscribers()).some((line) => / sub=20 /.test(line)), 'the subscriber holds 20 channels');
    expect(await subscribers()).toHaveLength(1);
    owner.jobs.resume();
    await Promise.all(waits);
    for (const subscription of subscriptions) subscription.unsubscribe();
    await until(async () => (await subscribers()).some((line) => / sub=0 /.test(line)), 'every channel is unsubscribed');
    expect(await subscribers()).toHaveLength(1);
  });
});

describe('RedisProgressTracker: coalescing', () => {
  it('turns a tight loop of setProgress into a few writes, and the last value is always the one kept', async () => {
    const tracker = newTracker({ flushInterval: 50 });
    const app = await newApp(tracker, { paused: true });
    const reader = newTracker({ keyPrefix: tracker.keyPrefix });
    const id = await app.jobs.perform(async () => {
      for (let value = 1; value <= 10_000; value++) await app.jobs.setProgress(value, { value });
      return 'done';
    });
    // Every command the tracker sends goes through sendCommand, pipelined or not.
    const sent: string[] = [];
    const sendCommand = tracker.client.sendCommand.bind(tracker.client);
    vi.spyOn(tracker.client, 'sendCommand').mockImplementation((command, stream) => {
      sent.push(command.name);
      return sendCommand(command, stream);
    });
    app.jobs.resume();
    const final = await app.jobs.waitFor(id);
    expect(final.progress).toStrictEqual({ value: 10_000, data: { value: 10_000 } });
    expect(await reader.getStatus(id)).toMatchObject({ state: 'completed', progress: { value: 10_000, data: { value: 10_000 } } });
    // The tracker's writes go out as one script call (EVAL) per batch.
    const writes = sent.filter((name) => name === 'eval').length;
    expect(writes).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(500);
  });
});

describe('RedisProgressTracker: connections and options', () => {
  it('closes the connections it opened at application shutdown', async () => {
    const tracker = newTracker();
    const moduleRef = await Test.createTestingModule({ imports: [AsyncJobModule.forRoot({ tracker })] }).compile();
    await moduleRef.init();
    const jobs = moduleRef.get(AsyncJobService);
    const id = await jobs.perform(() => 1);
    jobs.progress$(id).subscribe();
    await jobs.waitFor(id);
    await moduleRef.close();
    await expect(tracker.getProgress(id)).rejects.toThrow(/tracker is closed/);
    expect(tracker.client.status).toBe('end');
  });

  it('leaves a client it was given open, unless closeClient is set', async () => {
    const given = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: REDIS_DB });
    const kept = newTracker({ client: given });
    const id = `asyncjob_${randomUUID()}`;
    await kept.track(id);
    await kept.close();
    expect(await given.get(`${kept.keyPrefix}${id}`)).toBe('[-1,null]');
    const closing = newTracker({ client: given, closeClient: true });
    await closing.close();
    expect(given.status).toBe('end');
  });

  it('is built from forRootAsync configuration, with a URL', async () => {
    const keyPrefix = uniquePrefix('async');
    prefixes.push(keyPrefix);
    const moduleRef = await Test.createTestingModule({
      imports: [
        AsyncJobModule.forRootAsync({
          useFactory: async () => ({
            tracker: new RedisProgressTracker({ url: `redis://${REDIS_HOST}:${REDIS_PORT}/${REDIS_DB}`, keyPrefix }),
          }),
        }),
      ],
    }).compile();
    await moduleRef.init();
    const jobs = moduleRef.get(AsyncJobService);
    const id = await jobs.perform(() => 'configured');
    expect((await jobs.waitFor(id)).result).toBe('configured');
    expect(await redis.exists(`${keyPrefix}${id}:status`)).toBe(1);
    await moduleRef.close();
  });

  it('connects a lazy client on the first call', async () => {
    const tracker = newTracker({ redisOptions: { lazyConnect: true } });
    expect(tracker.client.status).toBe('wait');
    const id = `asyncjob_${randomUUID()}`;
    await tracker.track(id);
    expect(await tracker.getProgress(id)).toStrictEqual({ value: -1, data: null });
  });

  it('uses db 15 by default, and db over the database in a URL', async () => {
    const withDefaults = newTracker({ host: REDIS_HOST });
    const overridden = newTracker({ url: `redis://${REDIS_HOST}:${REDIS_PORT}/3`, db: REDIS_DB });
    for (const tracker of [withDefaults, overridden]) {
      const id = `asyncjob_${randomUUID()}`;
      await tracker.track(id);
      expect(await redis.exists(`${tracker.keyPrefix}${id}`)).toBe(1);
    }
  });

  it.each([
    [{ timeout: 0 }, 'RedisProgressTracker.timeout'],
    [{ timeout: 0.5 }, 'RedisProgressTracker.timeout'],
    [{ flushInterval: -1 }, 'RedisProgressTracker.flushInterval'],
    [{ port: 70_000 }, 'RedisProgressTracker.port'],
    [{ db: -1 }, 'RedisProgressTracker.db'],
    [{ url: 'http://localhost' }, 'RedisProgressTracker.url'],
    [{ url: 'redis://localhost', host: 'x' }, 'RedisProgressTracker.host'],
    [{ client: {} as Redis }, 'RedisProgressTracker.client'],
    [{ closeClient: true }, 'RedisProgressTracker.closeClient'],
  ])('rejects bad options %j with an InvalidOptionError naming %s', (options, name) => {
    expect(() => new RedisProgressTracker(options)).toThrow(InvalidOptionError);
    expect(() => new RedisProgressTracker(options)).toThrow(name);
  });
});
