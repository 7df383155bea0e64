/**
 * The transport's BullMQ queues: the main one, and one for each job name
 * given a queue of its own (so a slow kind of job cannot hold up the rest),
 * each with this process's worker on it in the worker role. Which queue a
 * job name goes to is decided here and nowhere else.
 */
import type { Job, Processor, Queue, Worker } from 'bullmq';
import { AddBatcher } from './add-batcher.js';
import type { BullMqBackend } from './bullmq-backend.interface.js';
import type { BullMqSettings } from './bullmq-options.js';
import type { ReportError } from '../shared/throttled-error-log.js';
import type { QueueJob } from './job-data.js';
import type { QueueJobRunner } from './queue-job-runner.interface.js';

/** A BullMQ queue, the starts batched into it, and this process's worker on it. */
export interface Lane {
  readonly queueName: string;
  /** Jobs this process runs at once from this queue. */
  readonly concurrency: number;
  readonly queue: Queue;
  readonly adds: AddBatcher;
  /** Worker role only, once the workers are started. */
  worker?: Worker;
}

export class Lanes {
  /** The main lane first. */
  readonly all: readonly Lane[];
  readonly queues: readonly Queue[];
  private readonly main: Lane;
  /** By job name. */
  private readonly dedicated: ReadonlyMap<string, Lane>;

  /** Opens every queue (no worker yet); `moduleConcurrency` is the main queue's when the options name none. */
  constructor(
    private readonly backend: Pick<BullMqBackend, 'openQueue' | 'openWorker'>,
    private readonly settings: BullMqSettings,
    moduleConcurrency: number,
    private readonly report: ReportError,
  ) {
    this.main = this.open(settings.queueName, settings.concurrency ?? moduleConcurrency);
    this.dedicated = new Map(settings.dedicated.map((lane) => [lane.jobName, this.open(lane.queueName, lane.concurrency)]));
    this.all = [this.main, ...this.dedicated.values()];
    this.queues = this.all.map((lane) => lane.queue);
  }

  laneFor(jobName: string): Lane {
    return this.dedicated.get(jobName) ?? this.main;
  }

  /** The queue of jobs of that name; every queue for no name. */
  queuesFor(jobName: string | undefined): readonly Queue[] {
    return jobName === undefined ? this.queues : [this.laneFor(jobName).queue];
  }

  /** Starts a worker on every queue, each handing its jobs to `runner`; resolves once all of them are connected. */
  async startWorkers(runner: QueueJobRunner): Promise<void> {
    for (const lane of this.all) lane.worker = this.startWorker(lane, runner);
    await Promise.all(this.all.map((lane) => lane.worker!.waitUntilReady()));
  }

  /** Stops taking new jobs; running ones go on. */
  async pause(): Promise<void> {
    await Promise.all(this.all.map((lane) => lane.worker?.pause(true).catch(() => undefined)));
  }

  /** After their running jobs, which the service has finished or handed back by then. */
  async closeWorkers(): Promise<void> {
    await Promise.all(
      this.all.map((lane) => lane.worker?.close().catch((error: unknown) => this.report(`worker ${lane.queueName}`, error))),
    );
  }

  async closeQueues(): Promise<void> {
    await Promise.all(this.all.map((lane) => lane.queue.close().catch((error: unknown) => this.report(`queue ${lane.queueName}`, error))));
  }

  /** Shutdown gave up waiting (the store away): the workers are closed without waiting for anything. */
  forceCloseWorkers(): void {
    for (const lane of this.all) void lane.worker?.close(true).catch(() => undefined);
  }

  private open(queueName: string, concurrency: number): Lane {
    const queue = this.backend.openQueue(queueName);
    queue.on('error', (error: Error) => this.report(`queue ${queueName}`, error));
    return { queueName, concurrency, queue, adds: new AddBatcher(queue) };
  }

  private startWorker(lane: Lane, runner: QueueJobRunner): Worker {
    const { settings } = this;
    // Two parameters, not three: BullMQ then makes no AbortController per job (cancel comes through our own channel).
    // BullMQ awaits what its processor returns, so a job answered at once is typed as the promise it stands for.
    const processor = ((job: Job, token?: string) => runner.process(job as QueueJob, token)) as Processor;
    const worker = this.backend.openWorker(lane.queueName, processor, {
      concurrency: lane.concurrency,
      lockDuration: settings.lockDuration,
      stalledInterval: settings.stalledInterval,
      maxStalledCount: settings.maxStalledCount,
      // The worker applies these as jobs finish: each job's own options stay smaller (see docs/performance.md).
      ...(settings.removeOnComplete === undefined ? {} : { removeOnComplete: settings.removeOnComplete }),
      ...(settings.removeOnFail === undefined ? {} : { removeOnFail: settings.removeOnFail }),
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, _error?: Error, job?: { name: string; data: unknown }) =>
          runner.retryDelay(job, attemptsMade),
      },
    });
    worker.on('error', (error: Error) => this.report(`worker ${lane.queueName}`, error));
    worker.on('completed', (job: QueueJob) => runner.ended(job));
    worker.on('failed', (job: QueueJob | undefined) => runner.ended(job));
    return worker;
  }
}
