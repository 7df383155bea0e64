/**
 * The jobs BullMQ hands this process: each is run through the host's
 * attempt machinery (the same context, timeout, signal and transaction as a
 * local job) and its outcome translated into what BullMQ understands. This
 * is the per-job path on the worker side, so a job that returns at once is
 * answered at once, without a promise of ours.
 */
import { JobNotRegisteredError } from '../errors/job-not-registered.error.js';
import { ProgressCoalescer } from '../shared/progress-coalescer.js';
import type { DeliveryOutcome, TransportHost } from '../transport/transport-host.interface.js';
import { backoffDelay } from '../utils/backoff.js';
import { isThenable } from '../utils/is-thenable.js';
import { toJobError } from '../utils/job-error.js';
import type { QueueProgress } from './bullmq-job-status.js';
import type { ReportError } from '../shared/throttled-error-log.js';
import { idOf, type JobData, type QueueJob } from './job-data.js';
import type { BullMqModule } from './load-bullmq.js';
import type { QueueJobRunner } from './queue-job-runner.interface.js';

/** A running job's progress reaches BullMQ at most this often (ms); the latest value wins. */
const PROGRESS_INTERVAL = 100;

/**
 * Our id of a BullMQ job this process runs, kept on BullMQ's job object: the
 * `completed` event then hands back the very string the service's maps hold,
 * whose hash V8 has cached (building it again cost more than the lookup).
 */
const OUR_ID = Symbol('asyncjob:id');
type DeliveredJob = QueueJob & { [OUR_ID]?: string };

/** The errors through which a processor tells BullMQ what to do with a job; bullmq is loaded by the owner, once. */
export type DeliveryErrors = Pick<BullMqModule, 'UnrecoverableError' | 'WaitingError'>;

export class Delivery implements QueueJobRunner {
  /** Jobs running in this process, by our id: where their progress goes. */
  private readonly delivering = new Map<string, QueueJob>();
  private readonly progress: ProgressCoalescer;

  constructor(
    private readonly host: TransportHost,
    private readonly errors: DeliveryErrors,
    private readonly report: ReportError,
  ) {
    this.progress = new ProgressCoalescer(
      PROGRESS_INTERVAL,
      (batch) => this.writeProgress(batch),
      () => true,
      (id) => this.delivering.has(id),
      (error) => this.report('progress', error),
    );
  }

  /** Not `async`: a job whose function returned at once is answered without a promise of ours. */
  process(job: DeliveredJob, token: string | undefined): unknown {
    const host = this.host;
    const id = idOf(job);
    job[OUR_ID] = id;
    const definition = host.jobNamed(job.name);
    if (!definition) return this.refuse(id, job);
    // Delivered again while its first delivery still runs here (this process lost its lock): not twice at once.
    if (this.delivering.has(id)) return this.sendBack(job, token);
    const attempts = job.opts.attempts ?? 1;
    this.delivering.set(id, job);
    const outcome = host.runDelivered({
      id,
      name: job.name,
      fn: definition.run,
      synchronous: definition.synchronous,
      args: Array.isArray(job.data?.args) ? job.data.args : [],
      options: job.data?.options ?? definition.options,
      attempt: Math.max(job.attemptsStarted, job.attemptsMade + 1),
      retryLeft: job.attemptsMade + 1 < attempts,
      enqueuedAt: job.timestamp,
    });
    return isThenable(outcome) ? outcome.then((ended) => this.delivered(id, job, token, ended)) : this.delivered(id, job, token, outcome);
  }

  /** Our exponential backoff, from the job's options (its start's, or its `@AsyncJob`'s), for the n-th retry. */
  retryDelay(job: { name: string; data: unknown } | undefined, retry: number): number {
    const options = (job?.data as Partial<JobData> | undefined)?.options ?? (job ? this.host.jobNamed(job.name)?.options : undefined);
    return options ? backoffDelay(options.backoff, retry) : 0;
  }

  ended(job: DeliveredJob | undefined): void {
    if (job?.id !== undefined) this.host.acknowledged(job[OUR_ID] ?? idOf(job));
  }

  /**
   * Progress of a job running here, for BullMQ's job hash (and so for every
   * process): at most one write per job every {@link PROGRESS_INTERVAL} ms,
   * the latest value winning; the last one is written before BullMQ records
   * the job's end.
   */
  reportProgress(id: string, attempt: number, value: number, data: unknown): void {
    if (!this.delivering.has(id)) return;
    const progress: QueueProgress = { value, data, attempt };
    this.progress.set(id, JSON.stringify(progress));
  }

  /** A cancel request for a job running here records it cancelled, which ends its attempt. */
  cancel(id: string): void {
    this.host.cancelLocal(id).catch((error: unknown) => this.report(`cancel of ${id}`, error));
  }

  /** Once the workers are closed: nothing is left to report progress of. */
  stop(): void {
    this.progress.stop();
  }

  /** A job of a name this process does not know: failed for good, here and in BullMQ. */
  private async refuse(id: string, job: QueueJob): Promise<never> {
    const error = JobNotRegisteredError.forName(job.name);
    await this.host.failUndeliverable(id, job.name, job.timestamp, error);
    throw new this.errors.UnrecoverableError(error.message);
  }

  /** What BullMQ is told of an attempt that has ended: its result, or an error saying retry, fail or wait. */
  private delivered(id: string, job: QueueJob, token: string | undefined, outcome: DeliveryOutcome): unknown {
    this.delivering.delete(id);
    // Its last progress, before BullMQ records the end: a reader then sees the final figure.
    const lastProgress = this.progress.take(id);
    if (lastProgress !== undefined && outcome.kind !== 'retry' && outcome.kind !== 'requeued') {
      return job
        .updateProgress(JSON.parse(lastProgress) as QueueProgress)
        .catch((error: unknown) => this.report('progress', error))
        .then(() => this.answer(id, job, token, outcome));
    }
    return this.answer(id, job, token, outcome);
  }

  private answer(id: string, job: QueueJob, token: string | undefined, outcome: DeliveryOutcome): unknown {
    const { UnrecoverableError } = this.errors;
    switch (outcome.kind) {
      case 'completed':
        return outcome.result ?? null;
      case 'retry':
        throw asError(outcome.error);
      case 'failed':
        throw new UnrecoverableError(toJobError(outcome.error).message);
      case 'cancelled':
        throw new UnrecoverableError(`Job ${id} was cancelled`);
      case 'requeued':
        return this.sendBack(job, token);
    }
  }

  /** Back to the queue without counting a failure: the next worker takes it. */
  private sendBack(job: QueueJob, token: string | undefined): Promise<never> {
    const { WaitingError } = this.errors;
    return job.moveToWait(token).then(() => {
      throw new WaitingError();
    });
  }

  private async writeProgress(batch: ReadonlyMap<string, string>): Promise<void> {
    await Promise.all([...batch].map(([id, json]) => this.delivering.get(id)?.updateProgress(JSON.parse(json) as QueueProgress)));
  }
}

/** BullMQ records a retried attempt's error by its message and name: anything thrown becomes an `Error`. */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  const plain = toJobError(error);
  return Object.assign(new Error(plain.message), { name: plain.name });
}
