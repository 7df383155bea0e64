import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { JobProgress } from 'nestjs-asyncjob';
import type { ChildMessage, ChildRequest, PlainError } from '../fixtures/redis-app/protocol.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/redis-app/job-process.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('../fixtures/register-ts.mjs', import.meta.url));

type Op = ChildRequest['op'];
type RequestOf<O extends Op> = Omit<Extract<ChildRequest, { op: O }>, 'seq' | 'op'>;

/** What a `progress$` subscription in the child has seen so far. */
export interface StreamLog {
  readonly values: JobProgress[];
  error?: PlainError;
  completed: boolean;
}

/**
 * One child process running the fixture Nest app (test/fixtures/redis-app),
 * a real second (or third) process sharing jobs through Redis.
 */
export class ChildApp {
  private seq = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly streams = new Map<string, StreamLog>();
  private readonly listeners = new Set<() => void>();
  private output = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.on('message', (message: ChildMessage) => this.receive(message));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.exited.then((code) => {
      for (const { reject } of this.pending.values()) reject(new Error(`child ${name} exited (${code}) before answering: ${this.output.slice(-2000)}`));
      this.pending.clear();
    });
  }

  /** Starts the fixture with these environment settings and waits until its app is initialised. */
  static async start(name: string, env: Record<string, string>): Promise<ChildApp> {
    const child = fork(FIXTURE, [], {
      execArgv: ['--import', REGISTER],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const app = new ChildApp(name, child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child ${name} did not start within 60 s: ${app.output.slice(-2000)}`)), 60_000);
      child.once('message', (message: ChildMessage) => {
        clearTimeout(timer);
        if (message.type === 'ready') resolve();
        else reject(new Error(`child ${name} sent ${JSON.stringify(message)} before ready`));
      });
      void app.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`child ${name} exited (${code}) at start: ${app.output.slice(-2000)}`));
      });
    });
    return app;
  }

  request<O extends Op>(op: O, args: RequestOf<O>): Promise<unknown> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.child.send({ ...args, op, seq });
    });
  }

  /** Subscribes to `progress$(id)` in the child; the log fills as events arrive. */
  async stream(id: string): Promise<StreamLog> {
    const log: StreamLog = { values: [], completed: false };
    this.streams.set(id, log);
    await this.request('stream', { id });
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

  /** Closes the app (its shutdown hooks) and waits for the process to exit on its own. */
  async close(): Promise<number | null> {
    if (this.child.exitCode !== null || !this.child.connected) return this.exited;
    await this.request('close', {});
    return this.exited;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  private receive(message: ChildMessage): void {
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
