import { randomFillSync } from 'node:crypto';
import { JOB_ID_PREFIX } from '../async-job.internal-constants.js';

/**
 * Ids of named jobs that BullMQ numbers: `asyncjob_<number>_<secret>`.
 *
 * BullMQ's own counter makes the cheapest ids (measured: raw BullMQ given
 * caller-chosen ids runs at 0.73–0.85 of raw BullMQ numbering its jobs),
 * but a counter is guessable, and a job's id is what reads its progress and
 * cancels it. So the id also carries a random secret, kept in the job's
 * data: an id whose secret is not the job's finds nothing.
 */

/** Random bytes per secret: as many as a random UUID's. */
const SECRET_BYTES = 16;
const SECRET_LENGTH = 22;
const POOL_SECRETS = 512;
const pool = Buffer.allocUnsafe(SECRET_BYTES * POOL_SECRETS);
let poolOffset = pool.length;

const NUMBERED = new RegExp(`^${JOB_ID_PREFIX}(\\d+)_([A-Za-z0-9_-]{${SECRET_LENGTH}})$`);

/** A queue job's number in BullMQ and the secret its data must hold. */
export interface NumberedId {
  readonly queueJobId: string;
  readonly secret: string;
}

/** A new secret: 22 base64url characters, from random bytes drawn in batches. */
export function newSecret(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const secret = pool.toString('base64url', poolOffset, poolOffset + SECRET_BYTES);
  poolOffset += SECRET_BYTES;
  return secret;
}

/** Our id of the job BullMQ numbered `queueJobId`, whose data holds `secret`. */
export function numberedId(queueJobId: string, secret: string): string {
  return `${JOB_ID_PREFIX}${queueJobId}_${secret}`;
}

/** The parts of an id made by {@link numberedId}; `undefined` for any other id (one BullMQ holds as it is). */
export function parseNumberedId(id: string): NumberedId | undefined {
  const match = NUMBERED.exec(id);
  return match ? { queueJobId: match[1]!, secret: match[2]! } : undefined;
}

/** Whether `id` has the shape of the ids the library makes: a caller-chosen id must not. */
export function isReservedId(id: string): boolean {
  return id.startsWith(JOB_ID_PREFIX);
}
