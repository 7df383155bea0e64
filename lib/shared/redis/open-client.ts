/**
 * Opening a connection of one's own from what a user gave (a client, ioredis
 * options or a URL), for the Redis tracker and the BullMQ transport alike:
 * a given client is duplicated rather than shared, so the caller may close
 * what it opened without closing the user's.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { loadIORedis } from './load-ioredis.js';

/** Where a connection can be opened from, as the options of the tracker and the transport take it. */
export type RedisSource = Redis | RedisOptions | string;

/** Whether `source` is an ioredis client (anything that can `duplicate` itself), not options for one. */
export function isRedisClient(source: unknown): source is Redis {
  return typeof source === 'object' && source !== null && typeof (source as Partial<Redis>).duplicate === 'function';
}

/**
 * A new client with `source`'s settings and `settings` over them; the
 * caller owns it and closes it.
 *
 * @param feature what opens it, named in the error when ioredis is missing.
 */
export function openRedisClient(source: RedisSource, settings: RedisOptions, feature: string): Redis {
  if (isRedisClient(source)) return source.duplicate(settings);
  const { Redis: RedisClient } = loadIORedis(feature);
  return typeof source === 'string' ? new RedisClient(source, settings) : new RedisClient({ ...source, ...settings });
}
