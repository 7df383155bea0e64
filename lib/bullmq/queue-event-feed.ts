import type { QueueEvents } from 'bullmq';
import type { JobChangeFeed } from '../progress/job-change-feed.interface.js';
import type { BullMqBackend } from './bullmq-backend.interface.js';
import type { ReportError } from '../shared/throttled-error-log.js';
import { parseNumberedId } from './queue-job-id.js';

/** The BullMQ events after which a job's status or progress may read differently (BullMQ's PostgreSQL backend sends no `removed` for a removed job: the safety net covers it). */
const CHANGES = ['active', 'progress', 'completed', 'failed', 'waiting', 'delayed', 'removed', 'stalled'] as const;

/** While anyone follows a job, every follower re-reads this often (ms): a safety net for an event the stream's reader missed (read from the stream's end; reconnects). */
const SAFETY_INTERVAL = 1000;

/**
 * Tells when a named job may have changed, from BullMQ's own event stream
 * (`QueueEvents`): the writes BullMQ makes anyway announce every state
 * change and progress update, so following a job costs the jobs nothing.
 * The streams are read only once someone follows a job in this process.
 */
export class QueueEventFeed implements JobChangeFeed {
  private readonly watchers = new Map<string, Set<() => void>>();
  private readers: QueueEvents[] | undefined;
  private safetyTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    /** Every queue of the transport: a job is in one of them. */
    private readonly queueNames: readonly string[],
    private readonly backend: Pick<BullMqBackend, 'openQueueEvents'>,
    private readonly report: ReportError,
  ) {}

  watch(id: string, onChange: () => void): () => void {
    if (this.closing) return () => undefined;
    this.readers ??= this.open();
    // BullMQ's events name its own id of the job (a job of another queue may share its number: one re-read more).
    const key = parseNumberedId(id)?.queueJobId ?? id;
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(onChange);
    if (!this.safetyTimer) {
      this.safetyTimer = setInterval(() => this.notifyAll(), SAFETY_INTERVAL);
      this.safetyTimer.unref();
    }
    return () => {
      set.delete(onChange);
      if (set.size === 0 && this.watchers.get(key) === set) this.watchers.delete(key);
      if (this.watchers.size === 0) this.stopSafety();
    };
  }

  close(): Promise<void> {
    this.closing ??= Promise.all((this.readers ?? []).map((reader) => reader.close().catch(() => undefined))).then(() => undefined);
    this.watchers.clear();
    this.stopSafety();
    return this.closing;
  }

  private stopSafety(): void {
    clearInterval(this.safetyTimer);
    this.safetyTimer = undefined;
  }

  private open(): QueueEvents[] {
    return this.queueNames.map((name) => {
      const reader = this.backend.openQueueEvents(name);
      // Once closing, a read in flight meets its connection going away (BullMQ's PostgreSQL backend says so): not worth a line.
      reader.on('error', (error: Error) => this.closing || this.report(`events of ${name}`, error));
      for (const event of CHANGES) reader.on(event, (args: { jobId: string }) => this.notify(args.jobId));
      // The stream is read from its end: anything since a follower's first read is announced by a re-read.
      void reader.waitUntilReady().then(
        () => this.notifyAll(),
        () => undefined,
      );
      return reader;
    });
  }

  private notify(id: string): void {
    const set = this.watchers.get(id);
    if (set) for (const onChange of set) onChange();
  }

  private notifyAll(): void {
    for (const id of this.watchers.keys()) this.notify(id);
  }
}
