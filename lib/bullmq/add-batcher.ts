/**
 * Adds to one BullMQ queue, batched: a burst of `start()` calls costs a
 * round trip per chunk of jobs rather than one per job, which is most of
 * what keeps the transport near raw BullMQ's rate (docs/performance.md).
 */
import type { Job, JobsOptions, Queue } from 'bullmq';
import type { JobDefinition } from '../job-definition.types.js';
import type { ResolvedJobOptions } from '../resolved-job-options.types.js';
import type { StartExtras } from '../transport/start-extras.js';
import { idOf, type JobData } from './job-data.js';
import { newSecret } from './queue-job-id.js';

/**
 * Most jobs per `addBulk` (one MULTI): bounds the time Redis spends on one
 * command batch, during which the workers' commands wait. Chosen by the
 * BullMQ bench (docs/performance.md, "smaller addBulk chunks").
 */
const ADD_CHUNK = 250;

/** The backoff type our jobs carry; the worker computes the delay from the job's own backoff options. */
const BACKOFF_TYPE = 'asyncjob';

/** The options of a plain start, shared: BullMQ copies a job's options before it reads them. */
const NO_JOB_OPTIONS: JobsOptions = Object.freeze({});

/** The `@AsyncJob` a start is of: its name, and the options its jobs carry unless a start changes them. */
export type NamedJob = Pick<JobDefinition, 'name' | 'options'>;

/**
 * A start waiting for the next `addBulk`. Kept light: in a burst, most
 * starts wait while the chunks before theirs go out, so BullMQ's entry for
 * one (its data, its secret) is made only when its chunk is sent.
 */
interface PendingAdd {
  readonly name: string;
  readonly args: readonly unknown[];
  /** The start's options when they are not its `@AsyncJob`'s own. */
  readonly options: ResolvedJobOptions | undefined;
  readonly opts: JobsOptions;
  /** Settles the start: with its id, or with a rejected promise (one function kept, not two). */
  readonly settle: (id: string | PromiseLike<string>) => void;
}

/** A job as `Queue.add` and `Queue.addBulk` take it. */
interface QueueEntry {
  readonly name: string;
  readonly data: JobData;
  readonly opts: JobsOptions;
}

/**
 * The jobs started in one tick go to the queue together, in `addBulk` calls
 * of up to {@link ADD_CHUNK}, one after the other: jobs enter the queue in
 * the order they were started, and a burst holds BullMQ's objects for one
 * chunk at a time, not for all of it.
 */
export class AddBatcher {
  /** Jobs added in this tick. */
  private adding: PendingAdd[] | undefined;
  /** The last `addBulk` sent: the next waits for it. */
  private sent: Promise<void> | undefined;

  constructor(private readonly queue: Queue) {}

  /**
   * Resolves to the job's id once BullMQ holds it: `id` when given (BullMQ
   * then keeps it as the job's own), otherwise one made of BullMQ's number
   * for it and a secret. A rejection means the job was not added, except
   * when the connection broke while its chunk was being sent: BullMQ may
   * then hold it.
   */
  add(job: NamedJob, id: string | undefined, args: readonly unknown[], options: ResolvedJobOptions, extra: StartExtras): Promise<string> {
    const { name } = job;
    const opts = queueJobOptions(id, options, extra);
    // The `@AsyncJob`'s own options are left out of the job's data: the worker has them.
    const own = options === job.options ? undefined : options;
    return new Promise<string>((settle) => {
      if (!this.adding) {
        this.adding = [];
        // After the current microtasks: every start of this burst joins the batch.
        process.nextTick(() => this.send());
      }
      this.adding.push({ name, args, options: own, opts, settle });
    });
  }

  private send(): void {
    const batch = this.adding ?? [];
    this.adding = undefined;
    const queue = this.queue;
    for (let from = 0; from < batch.length; from += ADD_CHUNK) {
      const chunk = batch.slice(from, from + ADD_CHUNK);
      this.sent = this.sent ? this.sent.then(() => addChunk(queue, chunk)) : addChunk(queue, chunk);
    }
  }
}

/** One `addBulk`; each caller learns its own job's outcome. */
async function addChunk(queue: Queue, chunk: PendingAdd[]): Promise<void> {
  const entries = chunk.map(queueEntry);
  let added: readonly Job[];
  try {
    added = entries.length === 1 ? [await queue.add(entries[0]!.name, entries[0]!.data, entries[0]!.opts)] : await queue.addBulk(entries);
  } catch (error) {
    if (chunk.length === 1) return chunk[0]!.settle(Promise.reject(error));
    // One job's failure must not fail the others: a job with an id of its own is added again alone (if the
    // batch did add it, BullMQ answers the duplicate by adding nothing). A numbered one cannot be told
    // apart from a copy: it fails with the batch.
    await Promise.all(
      entries.map((entry, i) => {
        const { settle } = chunk[i]!;
        if (entry.opts.jobId === undefined) return settle(Promise.reject(error));
        return queue.add(entry.name, entry.data, entry.opts).then(
          (one) => settle(idOf(one)),
          (retryError: unknown) => settle(Promise.reject(retryError)),
        );
      }),
    );
    return;
  }
  for (let i = 0; i < chunk.length; i++) chunk[i]!.settle(idOf(added[i]!));
}

/** BullMQ's entry for a pending start; one BullMQ numbers gets a secret of its own. */
function queueEntry(pending: PendingAdd): QueueEntry {
  const { args, options } = pending;
  const secret = pending.opts.jobId === undefined ? newSecret() : undefined;
  return { name: pending.name, data: options ? { args, options, secret } : { args, secret }, opts: pending.opts };
}

/** What BullMQ is told of a job at its add; a plain start's are shared. */
function queueJobOptions(id: string | undefined, options: ResolvedJobOptions, extra: StartExtras): JobsOptions {
  if (id === undefined && options.attempts <= 1 && !extra.delay && extra.priority === undefined) return NO_JOB_OPTIONS;
  const opts: JobsOptions = id === undefined ? {} : { jobId: id };
  if (options.attempts > 1) {
    opts.attempts = options.attempts;
    opts.backoff = { type: BACKOFF_TYPE };
  }
  if (extra.delay) opts.delay = extra.delay;
  if (extra.priority !== undefined) opts.priority = extra.priority;
  return opts;
}
