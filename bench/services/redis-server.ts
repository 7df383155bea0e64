import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/**
 * A redis-server of the bench's own, on a free port: the command counts read
 * from its INFO are then this bench's alone, whatever else uses the
 * machine's Redis at the time.
 */
export class PrivateRedis {
  private constructor(
    readonly port: number,
    private readonly server: ChildProcess,
    /** The connection that reads and resets the counters; its own commands are left out of the counts. */
    private readonly admin: Redis,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const port = await freePort();
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    let spawnError: Error | undefined;
    server.once('error', (error) => (spawnError = error));
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (spawnError) throw new Error(`the Redis scenario starts its own redis-server (from PATH) and could not: ${spawnError.message}`);
      const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      admin.on('error', () => undefined);
      try {
        await admin.connect();
        return new PrivateRedis(port, server, admin);
      } catch (error) {
        admin.disconnect();
        if (Date.now() > deadline) {
          server.kill();
          throw new Error(`redis-server on port ${port} did not answer within 10 s: ${(error as Error).message}`);
        }
        await sleep(50);
      }
    }
  }

  /** Zeroes the server's per-command counters. */
  async resetCounts(): Promise<void> {
    await this.admin.config('RESETSTAT');
  }

  /** Commands the server executed since {@link resetCounts}, from every client but the admin connection. */
  async commandCount(): Promise<number> {
    const info = await this.admin.info('commandstats');
    let total = 0;
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      const command = match[1]!;
      if (command === 'info' || command.startsWith('config')) continue;
      total += Number(match[2]);
    }
    return total;
  }

  async stop(): Promise<void> {
    this.admin.disconnect();
    this.server.kill();
    if (this.server.exitCode === null) await once(this.server, 'exit');
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}
