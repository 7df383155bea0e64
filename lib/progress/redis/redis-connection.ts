import { Logger } from '@nestjs/common';
import type { ChainableCommander, Redis, RedisOptions } from 'ioredis';
import { TrackerUnavailableError } from '../../errors/tracker-unavailable.error.js';
import { closeQuietly } from '../../shared/redis/close-quietly.js';

/** Replies meaning "not now" rather than "wrong command": the server is there but cannot serve. */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/;

/**
 * The tracker's command connection: it gates every call so that, once Redis
 * has been reached, a call made while it is away fails at once with a
 * {@link TrackerUnavailableError} (never waiting in an offline queue), and it
 * logs each outage once, when it starts and when it ends.
 */
export class RedisConnection {
  readonly description: string;
  private readonly logger = new Logger('RedisProgressTracker');
  private everReady: boolean;
  /** Settles when the first connection attempt succeeds, fails or times out. */
  private firstAttempt: Promise<void> | undefined;
  private down = false;
  private downSince = 0;
  private lastError = 'connection closed';
  private closed = false;
  private readonly readyListeners: Array<() => void> = [];
  /** A given client may have no command timeout of its own; then calls get one here. */
  private readonly ownTimeout: number | undefined;

  constructor(
    readonly client: Redis,
    private readonly ownsClient: boolean,
    commandTimeout: number,
    private readonly connectTimeout: number,
  ) {
    this.description = describe(client.options);
    this.ownTimeout = client.options.commandTimeout === undefined ? commandTimeout : undefined;
    this.everReady = client.status === 'ready';
    client.on('error', this.onError);
    client.on('close', this.onClose);
    client.on('ready', this.onConnected);
    // A lazy client connects on the first call instead.
    if (!this.everReady && client.status !== 'wait') this.firstAttempt = this.waitForFirstAttempt();
  }

  /** Whether commands can be sent now. */
  get available(): boolean {
    return !this.closed && this.client.status === 'ready';
  }

  /**
   * Whether a call fails at once: Redis is away (or the tracker closed), and
   * this is not the first connection attempt, which calls wait for.
   */
  get failsFast(): boolean {
    return !this.available && (this.closed || this.firstAttempt === undefined);
  }

  /** Calls `listener` each time the connection becomes ready: the first time, and after every outage. */
  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  /**
   * Runs `command` on the client, or fails fast with a
   * {@link TrackerUnavailableError}; any connection-level failure of the
   * command becomes one too.
   */
  async run<T>(operation: string, command: (client: Redis) => Promise<T>): Promise<T> {
    if (!this.available) {
      if (this.client.status === 'wait' && !this.closed) {
        this.firstAttempt = this.waitForFirstAttempt();
        this.client.connect().catch(() => undefined);
      }
      if (this.firstAttempt && !this.closed) await this.firstAttempt;
      if (!this.available) throw this.unavailable(operation);
    }
    try {
      const reply = command(this.client);
      return await (this.ownTimeout === undefined ? reply : withTimeout(reply, this.ownTimeout));
    } catch (error) {
      throw this.translate(operation, error);
    }
  }

  /** Sends a pipeline and fails with the first command error, if any. */
  async exec(pipeline: ChainableCommander): Promise<void> {
    const results = await pipeline.exec();
    if (results === null) throw new Error('the pipeline was discarded');
    for (const [error] of results) if (error) throw error;
  }

  /** The error a call gets while Redis is away. */
  unavailable(operation: string, cause?: unknown): TrackerUnavailableError {
    const reason = this.closed ? 'the tracker is closed' : cause instanceof Error ? cause.message : this.lastError;
    return new TrackerUnavailableError(this.description, operation, reason, cause);
  }

  /** Another connection with the same settings, for pub/sub. Its owner closes it. */
  duplicate(override: Partial<RedisOptions>): Redis {
    return this.client.duplicate(override);
  }

  /** Closes the client if the tracker opened it (or was told to); never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.off('close', this.onClose);
    this.client.off('ready', this.onConnected);
    if (this.ownsClient) await closeQuietly(this.client);
    // Late socket errors while closing still need a listener, or Node would throw them.
    if (!this.ownsClient) this.client.off('error', this.onError);
  }

  private translate(operation: string, error: unknown): unknown {
    if (error instanceof TrackerUnavailableError) return error;
    if (error instanceof Error && error.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(error.message)) return error;
    return this.unavailable(operation, error);
  }

  private waitForFirstAttempt(): Promise<void> {
    return new Promise<void>((resolve) => {
      const settle = (): void => {
        clearTimeout(timer);
        this.client.off('ready', settle);
        this.client.off('error', settle);
        this.firstAttempt = undefined;
        resolve();
      };
      const timer = setTimeout(settle, this.connectTimeout);
      timer.unref();
      this.client.once('ready', settle);
      this.client.once('error', settle);
    });
  }

  private readonly onError = (error: Error): void => {
    this.lastError = error.message;
    // Redis unreachable from the start: that is an outage too.
    if (!this.everReady && !this.down && !this.closed) this.startOutage(`Cannot connect to ${this.description}: ${error.message}`);
  };

  private readonly onClose = (): void => {
    if (this.everReady && !this.down && !this.closed) this.startOutage(`Lost the connection to ${this.description}`);
  };

  private readonly onConnected = (): void => {
    this.everReady = true;
    if (this.down) {
      this.down = false;
      const seconds = ((Date.now() - this.downSince) / 1000).toFixed(1);
      this.logger.log(`${this.description} is reachable again after ${seconds} s; progress tracking has resumed`);
    }
    for (const listener of this.readyListeners) listener();
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

function describe(options: RedisOptions): string {
  const where = options.path ?? `${options.host ?? 'localhost'}:${options.port ?? 6379}`;
  return `Redis at ${where} (db ${options.db ?? 0})`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
