import type { PostgresConnection } from './postgres-connection.js';
import { CLEANUP_BATCH, type PostgresTable } from './postgres-table.js';

/** Most cleanup statements per round: a backlog is worked off over several rounds rather than in one long burst. */
const MAX_STATEMENTS = 20;

/**
 * Deletes expired rows now and then. Reads never return them anyway; this
 * keeps the table small. Each statement deletes a bounded batch and skips
 * rows another process is deleting, so every process may run it without
 * waiting on the others. The first round comes at a random point of the
 * first interval, so processes started together do not clean together.
 */
export class TableCleanup {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly connection: PostgresConnection,
    private readonly table: PostgresTable,
    private readonly interval: number,
  ) {
    this.plan(Math.random() * interval);
  }

  /** Runs one round now; resolves with the rows it deleted. For tests, and for apps that want it at a moment of their choice. */
  async runOnce(): Promise<number> {
    let deleted = 0;
    for (let statement = 0; statement < MAX_STATEMENTS; statement++) {
      const rows = await this.connection.run('cleanup', (pool) => pool.query(this.table.cleanup, [CLEANUP_BATCH]));
      const count = Number(rows.rows[0]?.deleted ?? 0);
      deleted += count;
      if (count < CLEANUP_BATCH) break;
    }
    return deleted;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private plan(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.running && this.connection.available) {
        this.running = this.runOnce()
          .then(
            () => undefined,
            // An outage is logged by the connection, and any other failure is retried next round.
            () => undefined,
          )
          .finally(() => (this.running = undefined));
      }
      this.plan(this.interval);
    }, delay);
    this.timer.unref();
  }
}
