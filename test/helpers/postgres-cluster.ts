import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);
const HOST = '127.0.0.1';

/** Debian and Ubuntu put the server's programs there, off PATH; the newest version wins. */
function serverBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no initdb under ${root}/*/bin: install the PostgreSQL server (postgresql on Debian)`);
  return join(root, versions[0]!, 'bin');
}

/**
 * A PostgreSQL cluster of the test's own (never the shared server), made by
 * initdb in a temporary folder and run by pg_ctl on a free port, so a test
 * can stop it and start it again to play an outage. initdb refuses to run as
 * root, so as root the cluster runs as the `postgres` user.
 */
export class PostgresCluster {
  private running = false;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly bin: string,
    private readonly asUser: string | undefined,
  ) {}

  /** A connection URL for its `test` database as user `postgres` (trust authentication), like the shared server's. */
  get url(): string {
    return `postgresql://postgres@${HOST}:${this.port}/test`;
  }

  /** Makes the cluster and starts it, on `port` or a free one. */
  static async start(port?: number): Promise<PostgresCluster> {
    const bin = serverBin();
    const dir = mkdtempSync(join(tmpdir(), 'asyncjob-pg-'));
    const asUser = userInfo().uid === 0 ? 'postgres' : undefined;
    if (asUser) {
      const { stdout } = await run('id', ['-u', asUser]);
      const { stdout: gid } = await run('id', ['-g', asUser]);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const cluster = new PostgresCluster(port ?? (await freePort()), dir, bin, asUser);
    await cluster.exec('initdb', ['-D', cluster.data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    await cluster.start();
    await cluster.exec('createdb', ['-h', HOST, '-p', String(cluster.port), '-U', 'postgres', 'test']);
    return cluster;
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  /** Starts (again) on the same port and waits until it accepts connections. */
  async start(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=${HOST} -c unix_socket_directories=${this.dir} -c fsync=off`;
    await this.exec('pg_ctl', ['-D', this.data, '-o', options, '-l', join(this.dir, 'server.log'), '-w', '-t', '30', 'start']);
    this.running = true;
  }

  /** Stops it with `immediate` mode: every connection drops at once, as in a crash. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.exec('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
  }

  /** Stops it, whatever state a failed test left it in, and deletes its folder. */
  async destroy(): Promise<void> {
    this.running = false;
    if (existsSync(join(this.data, 'postmaster.pid')))
      await this.exec('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async exec(program: string, args: string[]): Promise<void> {
    const path = join(this.bin, program);
    try {
      if (this.asUser) await run('runuser', ['-u', this.asUser, '--', path, ...args], { timeout: 60_000 });
      else await run(path, args, { timeout: 60_000 });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`${program} ${args.join(' ')} failed: ${(error as Error).message}\n${stdout ?? ''}${stderr ?? ''}`);
    }
  }
}
