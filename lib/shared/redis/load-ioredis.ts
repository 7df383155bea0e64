/**
 * ioredis, loaded on first use by whichever feature opens a connection of
 * its own (the Redis tracker, BullMQ's cancel channel): one loader, so both
 * name what needs the missing peer the same way and share one instance.
 */
import { loadOptionalPeer } from '../../utils/optional-peer.js';

/** The ioredis module's exports, as a type only: nothing of ioredis is loaded by importing this file. */
export type IORedisModule = typeof import('ioredis');

/**
 * Loading synchronously keeps the constructors that open a client
 * synchronous, so `forRoot({ tracker: new RedisProgressTracker() })` needs
 * no async factory.
 *
 * @param feature what needs it, named in the error when ioredis is missing.
 */
export function loadIORedis(feature: string): IORedisModule {
  return loadOptionalPeer<IORedisModule>('ioredis', feature);
}
