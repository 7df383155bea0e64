import type { DataSource } from 'typeorm';
import type { JobRegistry } from '../async-job.registry.js';
import { finalEvent } from '../events/final-event.js';
import type { JobEventBus } from '../events/job-event-bus.js';
import type { FinalJobState, JobStatus } from '../interfaces/job-status.interface.js';
import type { StatusSink } from '../progress/status-sink.interface.js';
import { toJobError } from '../utils/job-error.js';
import type { JobGate } from '../worker/job-gate.js';
import type { Acknowledgements } from './acknowledgements.js';
import type { DeliveredJobs } from './delivered-jobs.js';
import type { TransportHost } from './transport-host.interface.js';

/**
 * The module's side of the jobs a queue carries: holding one back until the
 * caller's transaction commits, recording the end of one that never ran
 * here, and what the queue's transport may ask of this process (its
 * {@link TransportHost}).
 */
export class RemoteJobs {
  constructor(
    private readonly registry: JobRegistry,
    private readonly sink: StatusSink,
    private readonly bus: JobEventBus,
    private readonly acks: Acknowledgements,
    private readonly retention: number,
  ) {}

  /** Records the final state of a job that never ran in this process. */
  async drop(status: JobStatus, state: FinalJobState, error: unknown): Promise<void> {
    const final: JobStatus = { ...status, state, finishedAt: Date.now(), error: toJobError(error) };
    await this.sink.saveStatus(final, this.retention);
    await this.sink.untrack(status.id);
    if (this.bus.observed) this.bus.publish(finalEvent(final));
  }

  /** The transport's view of this process. */
  host(delivered: DeliveredJobs, cancelLocal: (id: string) => Promise<boolean>, dataSource: DataSource | undefined): TransportHost {
    const bus = this.bus;
    return {
      dataSource,
      get observed() {
        return bus.observed;
      },
      jobNamed: (name) => this.registry.getByName(name),
      runDelivered: (job) => delivered.run(job),
      cancelLocal,
      acknowledged: (id) => this.acks.acknowledged(id),
      failUndeliverable: (id, name, enqueuedAt, error) =>
        this.drop({ id, name, state: 'queued', progress: { value: -1, data: null }, attempts: 1, enqueuedAt }, 'failed', error),
      queued: (id, name, at) => {
        if (bus.observed) bus.publish({ type: 'queued', id, name, at });
      },
      holdUntilCommit: (gate, status, add) => this.holdUntilCommit(gate, status, add),
    };
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
