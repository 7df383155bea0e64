import { JOB_ID_PREFIX } from '../async-job.internal-constants.js';
import { randomPool, takeRandom16 } from './random-pool.js';

const text = Buffer.alloc(JOB_ID_PREFIX.length + 36);
text.write(JOB_ID_PREFIX, 'latin1');
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Where each of the 16 bytes goes in the text (two hex digits each), dashes in between. */
const DIGIT_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34].map((at) => JOB_ID_PREFIX.length + at);
for (const dash of [8, 13, 18, 23]) text[JOB_ID_PREFIX.length + dash] = 0x2d;

/**
 * A new job id: `asyncjob_` and a random (version 4) UUID.
 *
 * Made as one flat string. `randomUUID()` builds its text by concatenating
 * pieces, and prefixing it adds one more level: V8 keeps such a string as a
 * tree of cons cells, and an id is kept for as long as its job's status is
 * retained, which made the cells outlive the young generation by the
 * thousand and cost more than the rest of a trivial job.
 */
export function newJobId(): string {
  const from = takeRandom16();
  for (let i = 0; i < 16; i++) {
    let byte = randomPool[from + i]!;
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    const at = DIGIT_AT[i]!;
    text[at] = HEX[byte >> 4]!;
    text[at + 1] = HEX[byte & 0x0f]!;
  }
  // latin1Slice is what toString('latin1') calls, without its argument checks; Node's typings leave it out.
  return (text as Buffer & { latin1Slice(start: number, end: number): string }).latin1Slice(0, text.length);
}

/** Length of a numbered id's secret: 16 random bytes (as many as a random UUID's) in base64url. */
const SECRET_LENGTH = 22;

/** `asyncjob_<number>_<secret>`: a named job that BullMQ numbered (see bullmq/queue-job-id.ts). */
export const NUMBERED_JOB_ID = new RegExp(`^${JOB_ID_PREFIX}(\\d+)_([A-Za-z0-9_-]{${SECRET_LENGTH}})$`);

const JOB_ID = new RegExp(
  `^${JOB_ID_PREFIX}(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\\d+_[A-Za-z0-9_-]{${SECRET_LENGTH}})$`,
);

/**
 * Whether `value` has the shape of a job id the module makes: `asyncjob_`
 * and a random UUID, or `asyncjob_<number>_<secret>` for a named job that
 * BullMQ numbered. For checking ids that come from outside (a URL, a
 * message) before using them. A `jobId` the caller chose (`startWith({
 * jobId })`) is the caller's to check.
 *
 * @publicApi
 */
export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID.test(value);
}
