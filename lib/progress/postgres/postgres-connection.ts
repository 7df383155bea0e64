import { Logger } from '@nestjs/common';
import { TrackerUnavailableError } from '../../errors/tracker-unavailable.error.js';
import type { PostgresPool } from './postgres-pool.interface.js';
import { isStaleConnection, isUnavailable, withTimeout } from './postgres-errors.js';

/** First and longest wait between attempts to reach PostgreSQL again, in ms (doubling in between, as ioredis does for Redis). */
const RETRY_FIRST = 50;
const RETRY_MOST = 2000;

/**
 * The tracker's way to PostgreSQL: it gates every call so that, once the
 * server has been reached, a call made while it is away fails at once with a
 * {@link TrackerUnavailableError} (a pool would otherwise try to connect for
 * each call, each waiting up to the connect timeout), tries again in the
 * background until the server answers, and logs each outage once, when it
 * starts and when it ends.
 *
 * "Reached" means `setUp` succeeded: the table is checked (or created)
 * before the first call and after every outage.
 */
export class PostgresConnection {
  private readonly logger = new Logger('PostgresProgressTracker');
  private up = false;
  private closed = false;
  private everUp = false;
  private down = false;
  private downSince = 0;
  private lastError = 'not connected yet';
  private retryDelay = RETRY_FIRST;
  private retryTimer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  /** Settles when the first attempt succeeds or fails; calls made before then wait for it. */
  private firstAttempt: Promise<void> | undefined;
  private readonly readyListeners: Array<() => void> = [];

  constructor(
    readonly pool: PostgresPool,
    readonly description: string,
    private readonly ownsPool: boolean,
    /** Applied here to a given pool, which may have no timeout of its own; undefined when the pool applies it. */
    private readonly ownTimeout: number | undefined,
    private readonly connectTimeout: number,
    private readonly setUp: (pool: PostgresPool) => Promise<void>,
  ) {
    pool.on('error', this.onPoolError);
    this.firstAttempt = this.check().finally(() => (this.firstAttempt = undefined));
  }

  /** Whether statements can be sent now. */
  get available(): boolean {
    return this.up && !this.closed;
  }

  /** Whether a call fails at once: PostgreSQL is away (or the tracker closed), and this is not the first attempt, which calls wait for. */
  get failsFast(): boolean {
    return !this.available && (this.closed || this.firstAttempt === undefined);
  }

  /** Calls `listener` each time PostgreSQL becomes reachable: the first time, and after every outage. */
  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  /** Runs `statements`, or fails fast with a {@link TrackerUnavailableError}; a connection-level failure becomes one too, and starts an outage. */
  async run<T>(operation: string, statements: (pool: PostgresPool) => Promise<T>): Promise<T> {
    if (!this.available) {
      if (this.firstAttempt && !this.closed) await this.firstAttempt;
      if (!this.available) throw this.unavailable(operation);
    }
    try {
      return await this.send(statements);
    } catch (first) {
      let error = first;
      if (isStaleConnection(error) && this.available) {
        try {
          return await this.send(statements);
        } catch (second) {
          error = second;
        }
      }
      if (!isUnavailable(error)) throw error;
      this.lost(error);
      throw this.unavailable(operation, error);
    }
  }

  private send<T>(statements: (pool: PostgresPool) => Promise<T>): Promise<T> {
    const reply = statements(this.pool);
    return this.ownTimeout === undefined ? reply : withTimeout(reply, this.ownTimeout);
  }

  /**
   * Resolves once PostgreSQL has been checked: at once when it is up,
   * otherwise after a check made now rather than at the next retry. The
   * listener, back before the pool, waits for it so that watchers re-read
   * through a pool that can answer.
   */
  async whenChecked(): Promise<void> {
    if (this.available || this.closed) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.check();
  }

  /** The error a call gets while PostgreSQL is away. */
  unavailable(operation: string, cause?: unknown): TrackerUnavailableError {
    const reason = this.closed ? 'the tracker is closed' : cause instanceof Error ? cause.message : this.lastError;
    return new TrackerUnavailableError(this.description, operation, reason, cause);
  }

  /** Stops trying, and closes the pool if the tracker opened it (or was told to); never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.up = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    // A check in flight would use the pool being closed.
    await this.checking?.catch(() => undefined);
    if (this.ownsPool) await this.pool.end().catch(() => undefined);
    this.pool.removeListener('error', this.onPoolError);
  }

  /** Tries `setUp`; success ends an outage, failure starts (or prolongs) one. */
  private check(): Promise<void> {
    this.checking ??= this.attempt().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    try {
      await withTimeout(this.setUp(this.pool), this.connectTimeout + (this.ownTimeout ?? 0));
    } catch (error) {
      if (this.closed) return;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.up = false;
      if (!this.down) {
        const what = isUnavailable(error) ? 'Cannot connect to' : 'Cannot set up the progress table on';
        this.startOutage(this.everUp ? `Lost the connection to ${this.description}` : `${what} ${this.description}: ${this.lastError}`);
      }
      this.retryLater();
      return;
    }
    if (this.closed) return;
    this.retryDelay = RETRY_FIRST;
    this.up = this.everUp = true;
    if (this.down) {
      this.down = false;
      const seconds = ((Date.now() - this.downSince) / 1000).toFixed(1);
      this.logger.log(`${this.description} is reachable again after ${seconds} s; progress tracking has resumed`);
    }
    for (const listener of this.readyListeners) listener();
  }

  private retryLater(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.check();
    }, this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MOST);
  }

  /** A call failed for want of a connection: calls fail fast until a check succeeds. */
  private lost(error: unknown): void {
    if (!this.up || this.closed) return;
    this.up = false;
    this.lastError = error instanceof Error ? error.message : String(error);
    this.startOutage(`Lost the connection to ${this.description} (${this.lastError})`);
    this.retryLater();
  }

  /** An idle connection of the pool died: maybe one connection, maybe the server. A check tells which, without failing any call. */
  private readonly onPoolError = (error: Error): void => {
    this.lastError = error.message;
    if (this.up && !this.closed) void this.check();
  };

  private startOutage(message: string): void {
    this.down = true;
    this.downSince = Date.now();
    this.logger.error(
      `${message}. Tracker calls fail fast with TrackerUnavailableError until it is back; running jobs go on, ` +
        `and their latest progress and statuses are written when it returns.`,
    );
  }
}
