/**
 * How our ids map to pg-boss's, which must be uuids.
 *
 * A job the library names gets `newJobId()`, `asyncjob_` and a random
 * version 4 uuid: that uuid is its pg-boss id, so the public id is known
 * before pg-boss holds the job and stays as unguessable as the uuid. A
 * caller-chosen `jobId` maps to a name-based uuid (a SHA-256 of the schema
 * and the key, shaped as a version 5 uuid): every process derives the same
 * one, and pg-boss refusing a second job of the same id is the
 * deduplication. Its data keeps the caller's key, which is the public id.
 */
import { createHash } from 'node:crypto';
import { JOB_ID_PREFIX } from '../async-job.internal-constants.js';

const LIBRARY_ID = new RegExp(`^${JOB_ID_PREFIX}([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`);

/** pg-boss's id of the job our `id` names, in `schema`. */
export function bossJobId(id: string, schema: string): string {
  const own = LIBRARY_ID.exec(id);
  if (own) return own[1]!;
  const hash = createHash('sha256').update(`${schema}\0${id}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Our id of pg-boss's job `bossId`: the caller's key when it has one. */
export function publicJobId(bossId: string, key: string | undefined): string {
  return key ?? `${JOB_ID_PREFIX}${bossId}`;
}
