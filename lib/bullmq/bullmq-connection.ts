/**
 * The one `connection` option, as each user of it needs it: BullMQ's own
 * connections, and the Redis tracker that shares BullMQ's database. Kept
 * together so that both read a URL, options or a client the same way.
 */
import type { ConnectionOptions } from 'bullmq';
import { RedisProgressTracker } from '../progress/redis-progress-tracker.js';
import { isRedisClient, type RedisSource } from '../shared/redis/open-client.js';

/** What BullMQ is given: options are copied (BullMQ opens its own connections from them), a client is shared. */
export function bullConnection(connection: RedisSource): ConnectionOptions {
  if (typeof connection === 'string') return { url: connection };
  return (isRedisClient(connection) ? connection : { ...connection }) as ConnectionOptions;
}

/** A tracker on the same Redis database as BullMQ, whatever form the connection was given in. */
export function trackerBesideQueues(connection: RedisSource, keyPrefix: string): RedisProgressTracker {
  if (typeof connection === 'string') {
    // BullMQ reads a URL without a database as db 0; the tracker's own default is 15.
    const db = new URL(connection).pathname.replace(/^\//, '');
    return new RedisProgressTracker(db ? { url: connection, keyPrefix } : { url: connection, db: 0, keyPrefix });
  }
  if (isRedisClient(connection)) {
    return new RedisProgressTracker({
      client: connection.duplicate({ enableOfflineQueue: false, maxRetriesPerRequest: 0 }),
      closeClient: true,
      keyPrefix,
    });
  }
  // The tracker's keys are placed by its own prefix; an ioredis `keyPrefix` would go in front of it.
  const { keyPrefix: _ignored, ...redisOptions } = connection;
  return new RedisProgressTracker({ redisOptions, db: connection.db ?? 0, keyPrefix });
}
