import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../helpers/free-port.js';
import { PROJECT_ROOT } from './packed-package.js';

const run = promisify(execFile);
const TSC = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** How the app's TypeScript is compiled: an ES module app, or CommonJS as older `nest new` apps are. */
export type ModuleKind = 'esm' | 'cjs';

/** A new app made in a folder of its own, depending on the packed tarball as a user's app would. */
export interface ConsumerAppSpec {
  readonly dir: string;
  readonly kind: ModuleKind;
  readonly tarball: string;
  /** Packages besides nestjs-asyncjob, at the versions this project is tested with (so npm finds them in its cache). */
  readonly dependencies: readonly string[];
  /** Source files under src/, by path. */
  readonly files: Readonly<Record<string, string>>;
}

/** For a CommonJS app: its tsconfig with `module: nodenext`. */
export const NODENEXT_TSCONFIG = 'tsconfig.nodenext.json';

const COMPILER_OPTIONS = {
  esm: { module: 'NodeNext', moduleResolution: 'NodeNext' },
  cjs: { module: 'commonjs' },
} as const;

/** The version of `name` this project has installed: the consumer apps use the same, from npm's cache. */
function testedVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** Writes the app: package.json, a strict tsconfig with `skipLibCheck: false`, and its sources. */
export function writeConsumerApp(spec: ConsumerAppSpec): void {
  mkdirSync(spec.dir, { recursive: true });
  const dependencies = Object.fromEntries([
    ['nestjs-asyncjob', `file:${spec.tarball}`],
    ...spec.dependencies.map((name) => [name, testedVersion(name)]),
  ]);
  const manifest = { name: `consumer-${spec.kind}`, private: true, type: spec.kind === 'esm' ? 'module' : 'commonjs', dependencies };
  writeFileSync(join(spec.dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const tsconfig = {
    compilerOptions: {
      ...COMPILER_OPTIONS[spec.kind],
      target: 'ES2023',
      strict: true,
      skipLibCheck: false,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      types: ['node'],
      rootDir: 'src',
      outDir: 'dist',
    },
    include: ['src'],
  };
  writeFileSync(join(spec.dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  if (spec.kind === 'cjs') {
    // The same CommonJS sources under TypeScript's model of today's Node, where require() may load an ES module.
    const nodenext = {
      extends: './tsconfig.json',
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', outDir: 'dist-nodenext' },
    };
    writeFileSync(join(spec.dir, NODENEXT_TSCONFIG), `${JSON.stringify(nodenext, null, 2)}\n`);
  }
  for (const [path, source] of Object.entries(spec.files)) {
    const file = join(spec.dir, 'src', path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source);
  }
}

/** `npm install` of the app's dependencies, from npm's cache where it has them. */
export async function installConsumerApp(dir: string): Promise<void> {
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
    cwd: dir,
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Compiles the app with the project's TypeScript; rejects with the compiler's messages. */
export async function compileConsumerApp(dir: string, tsconfig = 'tsconfig.json'): Promise<void> {
  try {
    await run(process.execPath, [TSC, '-p', join(dir, tsconfig)], { cwd: dir, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc failed in ${dir}:\n${stdout}${stderr}`);
  }
}

/** Whether a package can be resolved from the app (an optional peer must not be). */
export function resolvableFrom(dir: string, name: string): boolean {
  try {
    readFileSync(join(dir, 'node_modules', name, 'package.json'));
    return true;
  } catch {
    return false;
  }
}

/** A consumer app's `node dist/main.js`, serving HTTP on `port`. */
export class RunningConsumerApp {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /** Starts the app and waits for its `listening` line. */
  static async start(dir: string, env: Readonly<Record<string, string>> = {}): Promise<RunningConsumerApp> {
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: dir,
      env: { ...process.env, ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new RunningConsumerApp(child, port);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the app in ${dir} did not start within 60 s:\n${app.output}`)), 60_000);
      const check = (): void => {
        if (!app.output.includes(`listening on ${port}`)) return;
        clearTimeout(timer);
        resolve();
      };
      child.stdout?.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the app in ${dir} exited (${code}) before listening:\n${app.output}`));
      });
    });
    return app;
  }

  /** What it printed so far. */
  get log(): string {
    return this.output;
  }

  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`http://127.0.0.1:${this.port}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, body: type.includes('json') ? (JSON.parse(text) as unknown) : text };
  }

  /** Polls `path` until `done` holds for its body, for at most `timeout` ms. */
  async poll(path: string, done: (body: unknown) => boolean, timeout = 10_000): Promise<unknown> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const { body } = await this.request('GET', path);
      if (done(body)) return body;
      if (Date.now() > deadline) throw new Error(`GET ${path} still answered ${JSON.stringify(body)} after ${timeout} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * SIGTERM, as a process manager stops it. Resolves with how it ended: exit
   * code 0, or the signal itself, which Nest's shutdown hooks raise again once
   * the app is closed.
   */
  stop(): Promise<number | NodeJS.Signals> {
    const ended = (): number | NodeJS.Signals => this.child.exitCode ?? this.child.signalCode ?? -1;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(ended());
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve(ended()));
      this.child.kill('SIGTERM');
    });
  }
}
