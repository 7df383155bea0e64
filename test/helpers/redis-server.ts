import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

const HOST = '127.0.0.1';

export interface RedisServerOptions {
  /**
   * Persist every write to an append-only file (fsync always) in this
   * directory: killed and started again, the server comes back with
   * everything it acknowledged, as a production Redis with AOF would.
   * Without it the server keeps nothing, and a restart comes back empty.
   */
  readonly appendOnlyDir?: string;
}

/**
 * A redis-server of the test's own (never the shared one), on its own port:
 * it can be killed and started again on the same port to play an outage.
 */
export class RedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {}

  /** Starts a server on a free port. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    return RedisServer.startOn(await freePort(), options);
  }

  static async startOn(port: number, options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(port, options);
    await server.start();
    return server;
  }

  /** Starts (again) on the same port and waits until it answers PING. */
  async start(): Promise<void> {
    const dir = this.options.appendOnlyDir;
    const persistence = dir === undefined ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', HOST, '--save', '', ...persistence], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.once('error', (error) =>
        reject(new Error(`Cannot start redis-server (is the Redis server installed and on PATH?): ${error.message}`)),
      );
      child.once('spawn', () => resolve());
    });
    this.process = child;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited at start: ${output.slice(-500)}`);
      const client = new Redis({
        host: HOST,
        port: this.port,
        lazyConnect: true,
        enableOfflineQueue: false,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
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

  /** Stops the server abruptly (SIGKILL): clients see their connections drop, as in a crash. */
  async stop(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }
}
