import { createRequire } from 'node:module';
import { AsyncJobError } from '../../errors/async-job.error.js';

/** The ioredis module's exports, as a type only: nothing of ioredis is loaded by importing this file. */
export type IORedisModule = typeof import('ioredis');

let loaded: IORedisModule | undefined;

/**
 * Loads ioredis on first use. ioredis is an optional peer dependency: the
 * package's entry point must load without it, so it is required here, when a
 * `RedisProgressTracker` opens a connection, rather than imported statically.
 * `require` (ioredis is CommonJS) keeps the tracker's constructor synchronous,
 * so `forRoot({ tracker: new RedisProgressTracker() })` needs no async factory.
 */
export function loadIORedis(): IORedisModule {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('ioredis') as IORedisModule;
    return loaded;
  } catch (error) {
    throw new AsyncJobError(
      `RedisProgressTracker needs the ioredis package (an optional peer dependency of nestjs-asyncjob): ` +
        `install it with "npm install ioredis" (${(error as Error).message})`,
    );
  }
}
