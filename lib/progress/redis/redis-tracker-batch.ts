import type { TrackerBatch } from '../store/tracker-batch.interface.js';
import type { RedisKeys } from './redis-keys.js';
import type { WriteBatch } from './write-queue.js';

/** A tracker's writes as Redis commands on the job's keys, announced on its channel. */
export function redisTrackerBatch(batch: WriteBatch, keys: RedisKeys): TrackerBatch {
  return {
    progress(id, json, ttl, announce) {
      batch.set(keys.progress(id), json, ttl);
      if (announce) batch.publish(keys.channel(id), 'progress');
    },
    status(id, json, ttl, removeProgress) {
      const key = keys.status(id);
      if (ttl > 0) batch.set(key, json, ttl);
      else batch.del(key);
      // After the status: getProgress answers null only once the final status is there.
      if (removeProgress) batch.del(keys.progress(id));
      batch.publish(keys.channel(id), 'status');
    },
    removeProgress(id) {
      batch.del(keys.progress(id));
    },
  };
}
