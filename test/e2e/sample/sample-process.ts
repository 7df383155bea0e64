import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REGISTER = fileURLToPath(new URL('../../fixtures/register-ts.mjs', import.meta.url));
const SAMPLE = new URL('../../../sample/', import.meta.url);
const START_DEADLINE = 60_000;
const STOP_DEADLINE = 20_000;

/**
 * One of the sample's entry points (`main.ts`, `worker.ts`) in a real
 * `node` process of its own, run from the sources through the test's swc
 * loader (nothing to build), configured by environment variables as a user
 * would configure it.
 */
export class SampleProcess {
  private output = '';
  private readonly exited: Promise<void>;
  private listeners: Array<() => void> = [];

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const append = (chunk: Buffer): void => {
      this.output += chunk.toString();
      for (const listener of this.listeners) listener();
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Starts `entry` with `env` and waits until its log says `ready`. */
  static async start(name: string, entry: string, env: NodeJS.ProcessEnv, ready: string): Promise<SampleProcess> {
    const child = spawn(process.execPath, ['--import', REGISTER, fileURLToPath(new URL(entry, SAMPLE))], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new SampleProcess(name, child);
    await started.waitForLog(ready, START_DEADLINE);
    return started;
  }

  /** Everything it wrote so far. */
  get log(): string {
    return this.output;
  }

  /** Resolves once its log contains `text`; fails if it exits first or after `timeout` ms. */
  waitForLog(text: string, timeout = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error): void => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((listener) => listener !== check);
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        if (this.output.includes(text)) done();
      };
      const timer = setTimeout(() => done(new Error(`${this.name} did not log "${text}" within ${timeout} ms:\n${this.output}`)), timeout);
      void this.exited.then(() =>
        done(new Error(`${this.name} exited (${this.child.exitCode}) before logging "${text}":\n${this.output}`)),
      );
      this.listeners.push(check);
      check();
    });
  }

  /**
   * SIGTERM, as a user's Ctrl-C or a process manager would; resolves once it
   * has exited, and rejects if it had to be killed after {@link STOP_DEADLINE}.
   */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      this.child.kill('SIGKILL');
    }, STOP_DEADLINE);
    await this.exited;
    clearTimeout(timer);
    if (killed) throw new Error(`${this.name} was still running ${STOP_DEADLINE} ms after SIGTERM:\n${this.output}`);
  }
}
