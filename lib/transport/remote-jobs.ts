import type { JobRegistry } from '../async-job.registry.js';
import { finalEvent } from '../events/final-event.js';
import type { JobEventBus } from '../events/job-event-bus.js';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import type { FinalJobState, JobStatus } from '../interfaces/job-status.interface.js';
import type { StartOptions } from '../interfaces/start-options.interface.js';
import type { JobDefinition } from '../job-definition.types.js';
import type { StatusSink } from '../progress/status-sink.interface.js';
import { resolveJobOptions } from '../async-job-options.resolver.js';
import { toJobError } from '../utils/job-error.js';
import { newJobId } from '../utils/job-id.js';
import { isJsonScalar, toJson } from '../utils/json.js';
import { NO_OPTIONS } from '../utils/no-options.js';
import type { JobGate } from '../worker/job-gate.js';
import type { Acknowledgements } from './acknowledgements.js';
import type { DeliveredJobs } from './delivered-jobs.js';
import type { JobTransport } from './job-transport.interface.js';
import { splitStartOptions, type StartExtras } from './start-extras.js';
import type { TransportHost } from './transport-host.interface.js';

const NO_EXTRAS: StartExtras = Object.freeze({});

/**
 * Named jobs that go through a transport to run in a worker process: adding
 * them, holding one back until the caller's transaction commits, recording
 * the end of one that never ran here, and what the transport may ask of
 * this process (its {@link TransportHost}).
 */
export class RemoteJobs {
  constructor(
    readonly transport: JobTransport,
    private readonly registry: JobRegistry,
    private readonly sink: StatusSink,
    private readonly bus: JobEventBus,
    private readonly acks: Acknowledgements,
    private readonly retention: number,
  ) {}

  /**
   * Adds a named job to the queue. Its queue job is its record, so
   * `getProgress` answers `{ value: -1, data: null }` as soon as this
   * resolves. With a `gate`, it is added only once the caller's transaction
   * commits, and until then the tracker holds it as queued.
   */
  start(definition: JobDefinition, options: StartOptions, args: readonly unknown[], gate?: JobGate): Promise<string> {
    // Checked here, at the call, not on another machine later.
    if (!args.every(isJsonScalar)) toJson(args, `The arguments of job "${definition.name}"`);
    if (options !== NO_OPTIONS || gate || this.bus.observed) return this.startWith(definition, options, args, gate);
    // A plain start() of a burst holds nothing but the transport's promise while the queue adds it (see docs/performance.md).
    return this.transport.add(definition, undefined, args, definition.options, NO_EXTRAS);
  }

  /** Records the final state of a job that never ran in this process. */
  async drop(status: JobStatus, state: FinalJobState, error: unknown): Promise<void> {
    const final: JobStatus = { ...status, state, finishedAt: Date.now(), error: toJobError(error) };
    await this.sink.saveStatus(final, this.retention);
    await this.sink.untrack(status.id);
    if (this.bus.observed) this.bus.publish(finalEvent(final));
  }

  /** The transport's view of this process. */
  host(delivered: DeliveredJobs, cancelLocal: (id: string) => Promise<boolean>): TransportHost {
    return {
      jobNamed: (name) => this.registry.getByName(name),
      runDelivered: (job) => delivered.run(job),
      cancelLocal,
      acknowledged: (id) => this.acks.acknowledged(id),
      failUndeliverable: (id, name, enqueuedAt, error) =>
        this.drop({ id, name, state: 'queued', progress: { value: -1, data: null }, attempts: 1, enqueuedAt }, 'failed', error),
    };
  }

  /** {@link start} with options, a caller-chosen id, a gate or an observer of `events$`. */
  private async startWith(definition: JobDefinition, options: StartOptions, args: readonly unknown[], gate?: JobGate): Promise<string> {
    if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, 'an object');
    const { extras, rest } = splitStartOptions(options, true);
    // Unchanged options are the definition's own object: the transport then leaves them out of the job's data.
    const jobOptions = Object.keys(rest).length === 0 ? definition.options : resolveJobOptions(rest, definition.options);
    const name = definition.name;
    if (extras.jobId !== undefined && (await this.transport.has(name, extras.jobId))) {
      gate?.abandon();
      return extras.jobId;
    }
    const enqueuedAt = Date.now();
    let id: string;
    if (gate) {
      // Known before the queue holds the job (which is after the commit): one of ours, not the queue's number.
      id = extras.jobId ?? newJobId();
      const add = (): Promise<unknown> => this.transport.add(definition, id, args, jobOptions, extras);
      await this.holdUntilCommit(gate, { id, name, state: 'queued', progress: { value: -1, data: null }, attempts: 0, enqueuedAt }, add);
    } else {
      // When it fails, nothing of the job is left anywhere, and the caller learns why.
      id = await this.transport.add(definition, extras.jobId, args, jobOptions, extras);
    }
    if (this.bus.observed) this.bus.publish({ type: 'queued', id, name, at: enqueuedAt });
    return id;
  }

  /** Held in the tracker as queued until the caller's transaction commits, then added to the queue, whose record replaces the tracker's. */
  private async holdUntilCommit(gate: JobGate, status: JobStatus, add: () => Promise<unknown>): Promise<void> {
    const id = status.id;
    try {
      await this.sink.trackQueued(status);
    } catch (error) {
      await this.sink.untrack(id);
      throw error;
    }
    gate.attach(
      id,
      () =>
        void add().then(
          // Forgotten once the queue holds the job: a queued status left here would outlive the queue's record of it.
          async () => {
            await this.sink.saveStatus(status, 0);
            await this.sink.untrack(id);
          },
          (error: unknown) => this.drop(status, 'failed', error),
        ),
      (reason) => this.drop(status, 'cancelled', reason),
    );
  }
}
