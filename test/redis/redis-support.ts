import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** The shared test Redis. Tests use db 15 (the tracker's default) and a prefix of their own, and delete their keys. */
export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;
export const REDIS_DB = 15;

/** A key prefix no other test run uses. */
export function uniquePrefix(name: string): string {
  return `asyncjob-test:${name}:${randomUUID().slice(0, 8)}:`;
}

/** A plain client on the test database, for looking at keys. Never retries, so a missing Redis fails fast. */
export function inspector(port = REDIS_PORT, db = REDIS_DB): Redis {
  return new Redis({ host: REDIS_HOST, port, db, lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null, maxRetriesPerRequest: 0 });
}

/**
 * Fails (never skips) when the test Redis cannot be reached, with a message
 * that names it. Returns a connected inspector client.
 */
export async function requireRedis(port = REDIS_PORT): Promise<Redis> {
  const client = inspector(port);
  let cause = '';
  client.on('error', (error: Error) => (cause = error.message));
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis is required by these tests but is unreachable at ${REDIS_HOST}:${port} (${cause || (error as Error).message}); ` +
        `start redis-server on that port (CI=${process.env.CI ?? 'unset'})`,
    );
  }
}

/** Deletes every key under `prefix` in the test database. */
export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Calls per command since the last `CONFIG RESETSTAT`, from `INFO commandstats`. */
export async function commandCalls(client: Redis): Promise<Map<string, number>> {
  const info = await client.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]));
  return calls;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, REDIS_HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A redis-server of the test's own, on a free port, with no persistence: it
 * can be stopped and started again on the same port to play an outage.
 */
export class PrivateRedis {
  private process: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    return PrivateRedis.startOn(await freePort());
  }

  static async startOn(port: number): Promise<PrivateRedis> {
    const server = new PrivateRedis(port);
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', REDIS_HOST, '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('error', (error) =>
        reject(new Error(`Cannot start redis-server (is the Redis server installed and on PATH?): ${error.message}`)),
      );
      child.once('spawn', () => resolve());
    });
    await spawned;
    this.process = child;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${this.port} exited at start: ${output.slice(-500)}`);
      const client = inspector(this.port, 0);
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
