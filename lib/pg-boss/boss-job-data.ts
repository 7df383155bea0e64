/**
 * What a pg-boss job of ours carries (its `data`) and what it leaves in
 * pg-boss's `output` column: written by the transport and its delivery,
 * read by the status reads, which must agree on them to the letter.
 */
import type { SendOptions } from 'pg-boss';
import type { JobProgress } from '../interfaces/job-status.interface.js';
import type { JobDefinition } from '../job-definition.types.js';
import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import type { StartExtras } from '../transport/start-extras.js';
import { bossJobId } from './boss-job-id.js';
import type { PgBossSettings } from './pg-boss-options.js';

/**
 * The job's name (queues are shared by names), the method's arguments, its
 * resolved options when the start changed them (otherwise the worker uses
 * the `@AsyncJob`'s own), and the caller's key when it chose the id.
 */
export interface BossJobData {
  readonly job: string;
  readonly args: readonly unknown[];
  readonly options?: ResolvedJobOptions;
  readonly key?: string;
}

/**
 * `output` while a job runs: its latest progress, and the attempt that
 * reported it, so a retry's fresh start (progress back to -1) is told from
 * what the previous attempt left. pg-boss has no progress of its own, and
 * replaces `output` with the result or the error when the attempt ends.
 */
export interface RunningOutput {
  readonly progress: JobProgress;
  readonly attempt: number;
}

/** `output` of a completed job: its result and its final progress. */
export interface CompletedOutput {
  readonly result: unknown;
  readonly progress?: JobProgress;
}

/** A start of job `id` as pg-boss's `send` takes it: its data and options. */
export function jobToSend(
  job: JobDefinition,
  id: string,
  args: readonly unknown[],
  options: ResolvedJobOptions,
  extras: StartExtras,
  settings: PgBossSettings,
): { data: BossJobData; send: SendOptions } {
  // The @AsyncJob's own options stay out of the job's data: the worker has them.
  const data: { -readonly [K in keyof BossJobData]: BossJobData[K] } = { job: job.name, args };
  if (options !== job.options) data.options = options;
  if (extras.jobId !== undefined) data.key = extras.jobId;
  // Runs cut short by a dead worker count as pg-boss retries too: maxStalledCount more are allowed for them.
  const send: SendOptions = {
    id: bossJobId(id, settings.schema),
    retryLimit: Math.max(0, options.attempts - 1) + settings.maxStalledCount,
  };
  if (extras.delay) send.startAfter = new Date(Date.now() + extras.delay);
  // Ours is 1 for the highest, pg-boss's higher numbers go first; as in BullMQ, a job given no priority goes before them all.
  if (extras.priority !== undefined) send.priority = -extras.priority;
  return { data, send };
}
