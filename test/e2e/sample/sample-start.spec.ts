import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/free-port.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** `npm start` compiles the library and the sample first: slow on a busy 2-core machine. */
const START_DEADLINE = 300_000;
const STOP_DEADLINE = 60_000;

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether any process of the group led by `pgid` is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the two-command set-up: npm start', () => {
  let child: ChildProcess | undefined;
  let output = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'asyncjob-sample-'));

  afterAll(() => {
    // Only if the test failed before stopping it: never leave a server behind.
    if (child?.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'builds, serves the page on PORT, and stops cleanly on SIGTERM',
    async () => {
      const port = await freePort();
      const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATABASE_URL: `sqlite:${join(dataDir, 'sample.sqlite')}` };
      delete env.REDIS_URL;
      env.NO_COLOR = '1';
      delete env.NODE_OPTIONS; // vitest's loader hooks must not leak into the real app
      // Its own process group, so the whole tree (npm, sh, node) can be signalled at once.
      const started = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
      let exitCode: number | null | undefined;
      void exited.then((code) => (exitCode = code));

      const deadline = Date.now() + START_DEADLINE;
      while (!(await accepts(port))) {
        if (exitCode !== undefined) throw new Error(`npm start exited with code ${exitCode} before listening:\n${output}`);
        if (Date.now() > deadline) throw new Error(`npm start did not listen on port ${port} within ${START_DEADLINE} ms:\n${output}`);
        await pause(500);
      }

      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain('<title>Framesmith');
      expect(html).toContain('src="/app.js"');
      const script = await fetch(`http://127.0.0.1:${port}/app.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/javascript/);
      const info = (await (await fetch(`http://127.0.0.1:${port}/api/info`)).json()) as Record<string, unknown>;
      expect(info).toMatchObject({ tracker: 'memory', database: 'sqlite', instance: { port } });
      expect(output).toContain(`Open http://localhost:${port}`);

      process.kill(-started.pid!, 'SIGTERM');
      const stopDeadline = Date.now() + STOP_DEADLINE;
      while (groupAlive(started.pid!)) {
        if (Date.now() > stopDeadline) throw new Error(`npm start was still running ${STOP_DEADLINE} ms after SIGTERM:\n${output}`);
        await pause(200);
      }
      await exited;
      expect(await accepts(port)).toBe(false);
      // Nest's shutdown hooks ran to the end: the app closed, it was not killed mid-flight.
      expect(output).toContain('Stopped cleanly on SIGTERM');
    },
    START_DEADLINE + STOP_DEADLINE + 30_000,
  );
});
