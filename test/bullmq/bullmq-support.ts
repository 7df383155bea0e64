import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import type { JobProgress } from 'nestjs-asyncjob';
import type { BullMessage, BullRequest, PlainError } from '../fixtures/bullmq-app/protocol.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/bullmq-app/worker-process.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('../fixtures/register-ts.mjs', import.meta.url));

type Op = BullRequest['op'];
type RequestOf<O extends Op> = Omit<Extract<BullRequest, { op: O }>, 'seq' | 'op'>;

/** A BullMQ prefix and queue name no other test run uses. */
export function uniqueQueue(name: string): { readonly prefix: string; readonly queueName: string } {
  return { prefix: `asyncjob-test-bull-${randomUUID().slice(0, 8)}`, queueName: name };
}

/** What a `progress$` subscription in a child has seen so far. */
export interface StreamLog {
  readonly values: JobProgress[];
  error?: PlainError;
  completed: boolean;
}

/** One process running test/fixtures/bullmq-app/worker-process.ts. */
export class BullChild {
  private seq = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private readonly streams = new Map<string, StreamLog>();
  private output = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.on('message', (message: BullMessage) => this.receive(message));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.exited.then((code) => {
      for (const { reject } of this.pending.values()) reject(new Error(`child ${name} exited (${code}) before answering: ${this.output.slice(-2000)}`));
      this.pending.clear();
    });
  }

  static async start(name: string, env: Record<string, string>): Promise<BullChild> {
    const child = fork(FIXTURE, [], {
      execArgv: ['--import', REGISTER],
      env: { ...process.env, ...env, WORKER_NAME: name },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const app = new BullChild(name, child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child ${name} did not start within 60 s: ${app.output.slice(-2000)}`)), 60_000);
      child.once('message', (message: BullMessage) => {
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

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Everything the child wrote, for failure messages. */
  get log(): string {
    return this.output;
  }

  request<O extends Op>(op: O, args: RequestOf<O>): Promise<unknown> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.child.send({ ...args, op, seq });
    });
  }

  async stream(id: string): Promise<StreamLog> {
    const log: StreamLog = { values: [], completed: false };
    this.streams.set(id, log);
    await this.request('stream', { id });
    return log;
  }

  /** Closes the app (its shutdown hooks) and waits for the process to exit by itself. */
  async close(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.connected) return this.exited;
    await this.request('close', {});
    return this.exited;
  }

  /** SIGKILL: no shutdown hook runs, its connections just drop. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  private receive(message: BullMessage): void {
    if (message.type === 'reply') {
      const waiter = this.pending.get(message.seq);
      this.pending.delete(message.seq);
      if (message.ok) waiter?.resolve(message.value);
      else waiter?.reject(Object.assign(new Error(message.error.message), { name: message.error.name }));
    } else if (message.type === 'stream') {
      const log = this.streams.get(message.id);
      if (!log) return;
      if (message.event === 'next') log.values.push(message.progress);
      else if (message.event === 'error') log.error = message.error;
      else log.completed = true;
    }
  }
}

/** The rows table of a test, in the shared PostgreSQL test database. */
export class RowsTable {
  private constructor(
    readonly name: string,
    private readonly dataSource: DataSource,
  ) {}

  /** Fails (never skips) when PostgreSQL cannot be reached, naming it. */
  static async create(primaryKey: boolean): Promise<RowsTable> {
    const dataSource = new DataSource({ type: 'postgres', host: '127.0.0.1', port: 5432, username: 'postgres', database: 'test', connectTimeoutMS: 5000, poolSize: 2 });
    try {
      await dataSource.initialize();
    } catch (error) {
      throw new Error(
        `PostgreSQL is required by these tests but is unreachable at 127.0.0.1:5432 (user postgres, database test): ${(error as Error).message} (CI=${process.env.CI ?? 'unset'})`,
      );
    }
    const name = `bullmq_rows_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    await dataSource.query(`CREATE TABLE ${name} (id serial, key integer NOT NULL${primaryKey ? ' PRIMARY KEY' : ''}, worker text NOT NULL, attempt integer NOT NULL)`);
    return new RowsTable(name, dataSource);
  }

  async counts(): Promise<{ readonly rows: number; readonly keys: number }> {
    const [row] = (await this.dataSource.query(`SELECT count(*)::int AS rows, count(DISTINCT key)::int AS keys FROM ${this.name}`)) as Array<{ rows: number; keys: number }>;
    return row!;
  }

  async byWorker(): Promise<Record<string, number>> {
    const rows = (await this.dataSource.query(`SELECT worker, count(*)::int AS n FROM ${this.name} GROUP BY worker`)) as Array<{ worker: string; n: number }>;
    return Object.fromEntries(rows.map((row) => [row.worker, row.n]));
  }

  async rowsOf(key: number): Promise<Array<{ worker: string; attempt: number }>> {
    return (await this.dataSource.query(`SELECT worker, attempt FROM ${this.name} WHERE key = $1`, [key])) as Array<{ worker: string; attempt: number }>;
  }

  async drop(): Promise<void> {
    await this.dataSource.query(`DROP TABLE IF EXISTS ${this.name}`);
    await this.dataSource.destroy();
  }
}

/**
 * A redis-server of the test's own that persists every write (append-only
 * file, fsync always) in a temporary directory: killed with SIGKILL and
 * started again, it comes back with everything it acknowledged, as a
 * production Redis with AOF would.
 */
export class DurableRedis {
  private process: import('node:child_process').ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  async start(): Promise<void> {
    const { spawn } = await import('node:child_process');
    const { Redis } = await import('ioredis');
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.once('error', (error) => reject(new Error(`Cannot start redis-server (is the Redis server installed and on PATH?): ${error.message}`)));
      child.once('spawn', () => resolve());
    });
    this.process = child;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited at start: ${output.slice(-500)}`);
      const client = new Redis({ host: '127.0.0.1', port: this.port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch {
        client.disconnect();
      }
      if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer within 15 s: ${output.slice(-500)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGKILL: a crash; every client sees its connection drop. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }
}
