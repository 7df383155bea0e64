import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { JobProgress } from 'nestjs-asyncjob';
import type { FixtureMessage, FixtureRequestBase, PlainError } from '../fixtures/shared/protocol.js';

const REGISTER = fileURLToPath(new URL('../fixtures/register-ts.mjs', import.meta.url));

/** What a `progress$` subscription in a child has seen so far. */
export interface StreamLog {
  readonly values: JobProgress[];
  error?: PlainError;
  completed: boolean;
}

/** The arguments of request `O`: the request without the `seq` and `op` the channel adds. */
export type RequestArgs<Request extends FixtureRequestBase, O extends Request['op']> = Omit<Extract<Request, { op: O }>, 'seq' | 'op'>;

/**
 * A child process running a TypeScript fixture (see test/fixtures/shared/serve.ts),
 * a real second (or third) process, driven by request/reply over IPC.
 */
export class FixtureProcess<Request extends FixtureRequestBase> {
  private seq = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly streams = new Map<string, StreamLog>();
  private readonly listeners = new Set<() => void>();
  private output = '';
  readonly exited: Promise<number | null>;

  protected constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.on('message', (message: FixtureMessage) => this.receive(message));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.exited.then((code) => {
      for (const { reject } of this.pending.values())
        reject(new Error(`child ${name} exited (${code}) before answering: ${this.output.slice(-2000)}`));
      this.pending.clear();
    });
  }

  /**
   * Forks `fixture` with these environment settings added to the test's: a
   * .ts file through swc-loader, a compiled .js file (chaos/) as it is.
   */
  protected static fork(fixture: URL, env: Record<string, string>): ChildProcess {
    return fork(fileURLToPath(fixture), [], {
      execArgv: fixture.pathname.endsWith('.ts') ? ['--import', REGISTER] : [],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
  }

  /** Waits until the fixture's app is initialised (its `ready` message). */
  protected ready(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child ${this.name} did not start within 60 s: ${this.output.slice(-2000)}`)),
        60_000,
      );
      this.child.once('message', (message: FixtureMessage) => {
        clearTimeout(timer);
        if (message.type === 'ready') resolve();
        else reject(new Error(`child ${this.name} sent ${JSON.stringify(message)} before ready`));
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`child ${this.name} exited (${code}) at start: ${this.output.slice(-2000)}`));
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The signal that ended the child (`SIGKILL` when killed, by the test or by itself), once it has exited; `null` otherwise. */
  get exitSignal(): NodeJS.Signals | null {
    return this.child.signalCode;
  }

  /** Everything the child wrote, for failure messages. */
  get log(): string {
    return this.output;
  }

  request<O extends Request['op']>(op: O, args: RequestArgs<Request, O>): Promise<unknown> {
    return this.send(op, args);
  }

  /** Every fixture answers `stream` and `close` (test/fixtures/shared/serve.ts), whatever else its requests are. */
  private send(op: string, args: object): Promise<unknown> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      // A child killed a moment ago (its exit not yet seen) has closed the channel: the request fails, the caller's process does not.
      this.child.send({ ...args, op, seq }, (error) => {
        if (!error) return;
        this.pending.delete(seq);
        reject(Object.assign(new Error(`child ${this.name} cannot be sent ${op}: ${error.message}`), { name: 'ChannelClosedError' }));
      });
    });
  }

  /** Subscribes to `progress$(id)` in the child; the log fills as events arrive. */
  async stream(id: string): Promise<StreamLog> {
    const log: StreamLog = { values: [], completed: false };
    this.streams.set(id, log);
    await this.send('stream', { id });
    return log;
  }

  /** Resolves when `predicate` holds after some message from the child; fails after `limit` ms. */
  until(predicate: () => boolean, what: string, limit = 20_000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`Timed out waiting in child ${this.name} until ${what}`));
      }, limit);
      this.listeners.add(check);
    });
  }

  /** Closes the app (its shutdown hooks) and waits for the process to exit by itself. */
  async close(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.connected) return this.exited;
    await this.send('close', {});
    return this.exited;
  }

  /** SIGKILL: no shutdown hook runs, its connections just drop. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  private receive(message: FixtureMessage): void {
    if (message.type === 'reply') {
      const waiter = this.pending.get(message.seq);
      this.pending.delete(message.seq);
      if (message.ok) waiter?.resolve(message.value);
      else waiter?.reject(Object.assign(new Error(message.error.message), { name: message.error.name }));
    } else if (message.type === 'stream') {
      const log = this.streams.get(message.id);
      if (log) {
        if (message.event === 'next') log.values.push(message.progress);
        else if (message.event === 'error') log.error = message.error;
        else log.completed = true;
      }
    }
    for (const listener of this.listeners) listener();
  }
}
