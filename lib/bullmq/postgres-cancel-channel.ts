/**
 * The cancel channel on PostgreSQL, over LISTEN/NOTIFY: the NOTIFY goes out
 * on a pool of the transport's own, and the worker role listens on one of
 * its connections, opened (and opened again after a break) by the listener
 * pg-boss mode uses too. The pool is opened on first use and ended at close.
 */
import type { PostgresPoolConfig } from '../progress/postgres/postgres-pool.interface.js';
import { loadPgPool, type OpenedPool } from '../shared/postgres/load-pg-pool.js';
import { NotifyListener } from '../shared/postgres/notify-listener.js';
import type { ReportError } from '../shared/throttled-error-log.js';
import type { CancelChannel } from './cancel-channel.interface.js';

/** {@link CancelChannel} over PostgreSQL LISTEN/NOTIFY, on a channel named after BullMQ's schema. */
export class PostgresCancelChannel implements CancelChannel {
  private pool: OpenedPool | undefined;
  /** Worker role only. */
  private listener: NotifyListener | undefined;

  constructor(
    /** What the pool opens with (the app's settings; BullMQ opens its own connections from the same). */
    private readonly config: PostgresPoolConfig,
    /** Channels are per database, not per schema: named after the schema, so that every process of the app, and only those, share it. */
    private readonly channel: string,
    private readonly report: ReportError,
  ) {}

  readonly publish = async (id: string): Promise<void> => {
    await this.open().query('SELECT pg_notify($1, $2)', [this.channel, id]);
  };

  async subscribe(onCancel: (id: string) => void): Promise<void> {
    const listener = new NotifyListener(this.open(), this.report);
    this.listener = listener;
    await listener.listen(this.channel, onCancel);
  }

  async unsubscribe(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close();
  }

  async close(): Promise<void> {
    await this.unsubscribe();
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end().catch((error: unknown) => this.report('cancel channel', error));
  }

  /** A pool has no way to drop its sockets other than ending, which does not wait for a server that is away. */
  disconnect(): void {
    void this.close();
  }

  private open(): OpenedPool {
    if (this.pool) return this.pool;
    // Two connections at most: the LISTEN one, and one for a NOTIFY sent meanwhile.
    const pool = new (loadPgPool('BullMqTransport').Pool)({ application_name: 'asyncjob:bullmq-cancel', ...this.config, max: 2 });
    // An idle connection that breaks must not crash the process: pg emits it on the pool.
    pool.on('error', (error) => this.report('cancel channel', error));
    this.pool = pool;
    return pool;
  }
}
