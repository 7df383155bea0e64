import { JOB_ID_PREFIX } from '../async-job.internal-constants.js';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import type { StartOptions } from '../interfaces/start-options.interface.js';

/** The start options a queue transport may take (BullMQ takes all three); the module's own worker takes none. */
export const START_EXTRA_NAMES = ['delay', 'priority', 'jobId'] as const;

/** One of {@link START_EXTRA_NAMES}. */
export type StartExtraName = (typeof START_EXTRA_NAMES)[number];

/** `delay`, `priority` and `jobId` of a start, checked; the rest of the options apart. */
export interface StartExtras {
  readonly delay?: number;
  readonly priority?: number;
  readonly jobId?: string;
}

/** The extras of a start given none: one shared object, so a plain start allocates none. */
export const NO_EXTRAS: StartExtras = Object.freeze({});

/** Lowest priority BullMQ accepts (2^21). */
const LOWEST_PRIORITY = 2_097_152;

/**
 * Splits the transport-only options off `options` and checks them. One the
 * transport does not take is an {@link InvalidOptionError}: a feature
 * silently ignored would surprise more than a refusal.
 */
export function splitStartOptions(
  options: StartOptions,
  supported: ReadonlySet<StartExtraName>,
): { extras: StartExtras; rest: Omit<StartOptions, keyof StartExtras> } {
  const { delay, priority, jobId, ...rest } = options;
  for (const name of START_EXTRA_NAMES) {
    if (options[name] !== undefined && !supported.has(name)) {
      throw new InvalidOptionError(
        name,
        options[name],
        supported.size === 0
          ? 'no value without a queue transport (the module option "transport", e.g. a BullMqTransport)'
          : "no value: the module's transport does not take it",
      );
    }
  }
  if (delay === undefined && priority === undefined && jobId === undefined) return { extras: NO_EXTRAS, rest };
  const extras: { delay?: number; priority?: number; jobId?: string } = {};
  if (delay !== undefined) {
    if (typeof delay !== 'number' || !Number.isSafeInteger(delay) || delay < 0)
      throw new InvalidOptionError('delay', delay, 'an integer number of ms >= 0');
    extras.delay = delay;
  }
  if (priority !== undefined) {
    if (typeof priority !== 'number' || !Number.isSafeInteger(priority) || priority < 1 || priority > LOWEST_PRIORITY) {
      throw new InvalidOptionError('priority', priority, `an integer from 1 (highest) to ${LOWEST_PRIORITY}`);
    }
    extras.priority = priority;
  }
  if (jobId !== undefined) {
    if (typeof jobId !== 'string' || jobId === '' || jobId.includes(':') || /^\d+$/.test(jobId) || jobId.startsWith(JOB_ID_PREFIX)) {
      throw new InvalidOptionError(
        'jobId',
        jobId,
        `a non-empty string without ":", not a number and not starting with "${JOB_ID_PREFIX}" (the ids BullMQ and the library make)`,
      );
    }
    extras.jobId = jobId;
  }
  return { extras, rest };
}

/**
 * `perform` runs a closure, which cannot cross processes: asking it for a
 * transport-only option is an error at the call.
 */
export function refuseStartExtras(options: object): void {
  for (const name of START_EXTRA_NAMES) {
    if (name in options) {
      throw new InvalidOptionError(
        name,
        (options as Record<string, unknown>)[name],
        'no value: perform() runs a closure in this process and cannot send it to BullMQ; ' +
          'make it an @AsyncJob method and use startWith() with the BullMQ transport',
      );
    }
  }
}
