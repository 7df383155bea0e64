import { TrackerUnavailableError } from '../../errors/tracker-unavailable.error.js';
import type { PostgresConnection } from './postgres-connection.js';
import type { PostgresTable } from './postgres-table.js';
import { RowBatch } from './row-batch.js';

interface QueuedWrite {
  readonly operation: string;
  readonly build: (batch: RowBatch) => void;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The tracker's writes, in the order they are made, as one statement per
 * round trip: a burst (a `Promise.all` of starts, workers finishing
 * together) costs one UPDATE, not one per call. One round trip is in flight
 * at a time, so a write never overtakes an earlier one even though the pool
 * would run them on different connections; writes made meanwhile go
 * together in the next.
 *
 * Each write's rows are built when its round trip starts, so they read the
 * tracker's state (pending progress, active jobs) as of that moment. A
 * failed round trip fails every write in it.
 */
export class WriteQueue {
  private pending: QueuedWrite[] = [];
  private sending = false;
  private scheduled = false;

  constructor(
    private readonly connection: PostgresConnection,
    private readonly table: PostgresTable,
  ) {}

  /** Queues `build`'s rows for the next round trip; fails at once while PostgreSQL is away. */
  write(operation: string, build: (batch: RowBatch) => void): Promise<void> {
    if (this.connection.failsFast) return Promise.reject(this.connection.unavailable(operation));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ operation, build, resolve, reject });
      this.schedule();
    });
  }

  /** After the current microtasks, so every write of this burst joins the round trip. */
  private schedule(): void {
    if (this.sending || this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    process.nextTick(() => {
      this.scheduled = false;
      void this.send();
    });
  }

  private async send(): Promise<void> {
    const writes = this.pending;
    this.pending = [];
    this.sending = true;
    try {
      await this.connection.run(writes[0]!.operation, async (pool) => {
        const batch = new RowBatch();
        for (const write of writes) write.build(batch);
        for (const parameters of batch.parameters()) await pool.query(this.table.write, [...parameters, this.table.channel]);
      });
      for (const write of writes) write.resolve();
    } catch (error) {
      for (const write of writes) write.reject(ownError(error, write.operation));
    } finally {
      this.sending = false;
      this.schedule();
    }
  }
}

/** An outage names the call that failed, not the first one of its round trip. */
function ownError(error: unknown, operation: string): unknown {
  if (!(error instanceof TrackerUnavailableError) || error.operation === operation) return error;
  return new TrackerUnavailableError(error.store, operation, error.reason, error.cause);
}
