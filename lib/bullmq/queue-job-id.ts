import { JOB_ID_PREFIX } from '../async-job.internal-constants.js';
import { NUMBERED_JOB_ID } from '../utils/job-id.js';
import { randomPool, takeRandom16 } from '../utils/random-pool.js';

/**
 * Ids of named jobs that BullMQ numbers: `asyncjob_<number>_<secret>`.
 *
 * BullMQ's own counter makes the cheapest ids (raw BullMQ given ids of the
 * caller's choosing is markedly slower: docs/performance.md, fourth round),
 * but a counter is guessable, and a job's id is what reads its progress and
 * cancels it. So the id also carries a random secret, kept in the job's
 * data: an id whose secret is not the job's finds nothing.
 */

/** A queue job's number in BullMQ and the secret its data must hold. */
export interface NumberedId {
  readonly queueJobId: string;
  readonly secret: string;
}

/** A new secret: 22 base64url characters. */
export function newSecret(): string {
  const from = takeRandom16();
  return randomPool.toString('base64url', from, from + 16);
}

/** Our id of the job BullMQ numbered `queueJobId`, whose data holds `secret`. */
export function numberedId(queueJobId: string, secret: string): string {
  return `${JOB_ID_PREFIX}${queueJobId}_${secret}`;
}

/** Whether BullMQ's job `data` is the one `numbered` names (no `numbered`: an id BullMQ holds as it is, nothing to check). */
export function holdsSecret(data: unknown, numbered: NumberedId | undefined): boolean {
  return numbered === undefined || (data as { secret?: unknown } | null | undefined)?.secret === numbered.secret;
}

/** The parts of an id made by {@link numberedId}; `undefined` for any other id (one BullMQ holds as it is). */
export function parseNumberedId(id: string): NumberedId | undefined {
  const match = NUMBERED_JOB_ID.exec(id);
  return match ? { queueJobId: match[1]!, secret: match[2]! } : undefined;
}
