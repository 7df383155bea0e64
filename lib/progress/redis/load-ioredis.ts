import { loadOptionalPeer } from '../../utils/optional-peer.js';

/** The ioredis module's exports, as a type only: nothing of ioredis is loaded by importing this file. */
export type IORedisModule = typeof import('ioredis');

/**
 * ioredis, loaded when a `RedisProgressTracker` opens a connection; loading
 * it synchronously keeps the tracker's constructor synchronous, so
 * `forRoot({ tracker: new RedisProgressTracker() })` needs no async factory.
 */
export function loadIORedis(): IORedisModule {
  return loadOptionalPeer<IORedisModule>('ioredis', 'RedisProgressTracker');
}
