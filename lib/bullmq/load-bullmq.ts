import { createRequire } from 'node:module';
import { AsyncJobError } from '../errors/async-job.error.js';

/** The bullmq module's exports, as a type only: nothing of bullmq is loaded by importing this file. */
export type BullMqModule = typeof import('bullmq');

let loaded: BullMqModule | undefined;

/**
 * Loads bullmq on first use. bullmq is an optional peer dependency: the
 * package's entry point must load without it, so it is required here, when a
 * module with a `BullMqTransport` starts, rather than imported statically.
 * `require` (bullmq ships a CommonJS build) keeps that start synchronous and
 * shares ioredis's CommonJS instance with the Redis tracker.
 */
export function loadBullMq(): BullMqModule {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('bullmq') as BullMqModule;
    return loaded;
  } catch (error) {
    throw new AsyncJobError(
      `BullMqTransport needs the bullmq package (an optional peer dependency of nestjs-asyncjob): ` +
        `install it with "npm install bullmq" (${(error as Error).message})`,
    );
  }
}
