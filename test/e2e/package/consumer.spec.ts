import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, EXAMPLE_USES, exampleFiles, type AppName } from './consumer-apps.js';
import {
  compileConsumerApp,
  installConsumerApp,
  NODENEXT_TSCONFIG,
  resolvableFrom,
  RunningConsumerApp,
  writeConsumerApp,
} from './consumer-app.js';
import { docPages, readDocExamples } from './doc-examples.js';
import { packProject, PROJECT_ROOT, type PackedPackage } from './packed-package.js';

const OPTIONAL_PEERS = ['typeorm', 'ioredis', 'bullmq', 'pg'];
const SOURCES = new URL('./apps/', import.meta.url);
const docs = readDocExamples(PROJECT_ROOT, docPages(PROJECT_ROOT));

/** The app's own files (main and support), from test/package/apps/<folder> and apps/shared. */
function ownFiles(folder: string): Record<string, string> {
  const files = (name: string) => {
    const dir = new URL(`${name}/`, SOURCES);
    return readdirSync(dir).map((file) => [file, readFileSync(new URL(file, dir), 'utf8')] as const);
  };
  return Object.fromEntries([...files('shared'), ...files(folder)]);
}

const OWN_FILES: Record<AppName, string> = { core: 'core', 'core-cjs': 'core', typeorm: 'typeorm', redis: 'redis' };

/** Every file below `dir`, relative to it. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

const isJobId = (value: unknown): value is string => typeof value === 'string' && /^asyncjob_[\w-]+$/.test(value);
const stateIs = (state: string) => (body: unknown) => (body as { state?: unknown }).state === state;

describe('the packed package, installed into new apps', () => {
  const work = mkdtempSync(join(tmpdir(), 'asyncjob-consumers-'));
  const appDir = (app: AppName) => join(work, app);
  let packed: PackedPackage;
  const running: RunningConsumerApp[] = [];

  beforeAll(async () => {
    packed = await packProject(work);
    for (const [app, { kind, dependencies }] of Object.entries(APPS) as Array<[AppName, (typeof APPS)[AppName]]>) {
      writeConsumerApp({
        dir: appDir(app),
        kind,
        tarball: packed.tarball,
        dependencies,
        files: { ...ownFiles(OWN_FILES[app]), ...exampleFiles(app, docs.examples) },
      });
    }
    await Promise.all(Object.keys(APPS).map((app) => installConsumerApp(appDir(app as AppName))));
  }, 600_000);

  afterAll(async () => {
    await Promise.all(running.map((app) => app.stop()));
    rmSync(work, { recursive: true, force: true });
  });

  async function start(app: AppName, env?: Record<string, string>): Promise<RunningConsumerApp> {
    const started = await RunningConsumerApp.start(appDir(app), env);
    running.push(started);
    return started;
  }

  it('every TypeScript block of README.md and docs/ is an example that one of the apps compiles', () => {
    expect(docs.unmarked, 'blocks with no <!-- example: id --> comment').toEqual([]);
    expect(docs.duplicates, 'example ids given twice').toEqual([]);
    expect([...docs.examples.keys()].sort()).toEqual(Object.keys(EXAMPLE_USES).sort());
  });

  it("holds the library's ES modules with their declarations and source maps, README.md, LICENSE and package.json, and nothing else", () => {
    const others = packed.files.filter((file) => !file.startsWith('dist/lib/'));
    expect(others.sort()).toEqual(['LICENSE', 'README.md', 'package.json']);
    const library = packed.files.filter((file) => file.startsWith('dist/lib/'));
    expect(library.filter((file) => !/\.(js|d\.ts|js\.map)$/.test(file))).toEqual([]);
    // One module, one declaration and one map for each source file of lib/.
    const sources = filesBelow(join(PROJECT_ROOT, 'lib')).filter((file) => file.endsWith('.ts'));
    const expected = sources.flatMap((file) => ['.js', '.d.ts', '.js.map'].map((ext) => `dist/lib/${file.replace(/\.ts$/, ext)}`));
    expect(library.sort()).toEqual(expected.sort());
    expect(readFileSync(join(PROJECT_ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('declares no internal member and maps every module to its sources, which the maps carry', () => {
    const unpacked = join(work, 'unpacked');
    cpSync(join(appDir('core'), 'node_modules', 'nestjs-asyncjob'), unpacked, { recursive: true });
    const declarations = filesBelow(unpacked).filter((file) => file.endsWith('.d.ts'));
    expect(declarations.filter((file) => readFileSync(join(unpacked, file), 'utf8').includes('@internal'))).toEqual([]);
    const service = readFileSync(join(unpacked, 'dist/lib/service/async-job.service.d.ts'), 'utf8');
    expect(service).not.toMatch(/constructor\(/);
    const map = JSON.parse(readFileSync(join(unpacked, 'dist/lib/service/async-job.service.js.map'), 'utf8')) as {
      sourcesContent?: string[];
    };
    expect(map.sourcesContent?.[0]).toContain('export class AsyncJobService');
  });

  describe.each([
    ['core', 'an ES module app'],
    ['core-cjs', 'a CommonJS app (module: commonjs)'],
  ] as const)('%s: %s with none of the optional peers', (app, _description) => {
    it('has no optional peer installed, and compiles the Quick start and recipes with skipLibCheck: false', async () => {
      for (const peer of OPTIONAL_PEERS) expect(resolvableFrom(appDir(app), peer), peer).toBe(false);
      await compileConsumerApp(appDir(app));
      const main = readFileSync(join(appDir(app), 'dist', 'main.js'), 'utf8');
      if (app === 'core-cjs') expect(main).toMatch(/require\("nestjs-asyncjob"\)/);
      else expect(main).toMatch(/from 'nestjs-asyncjob'/);
      // CommonJS under module: nodenext, where TypeScript lets require() load an ES module as Node >= 20.19 does.
      if (app === 'core-cjs') await compileConsumerApp(appDir(app), NODENEXT_TSCONFIG);
    }, 180_000);

    it('runs: answers with a job id at once, and reports the job over HTTP until it completes', async () => {
      const server = await start(app);
      expect(server.log).toContain('testing example passed');
      const started = await server.request('POST', '/videos/intro.mp4/transcode');
      expect(started.status).toBe(201);
      const { id } = started.body as { id: unknown };
      expect(isJobId(id)).toBe(true);
      const done = await server.poll(`/videos/jobs/${String(id)}`, stateIs('completed'));
      expect(done).toMatchObject({
        state: 'completed',
        result: { output: 'intro.mp4.webm' },
        progress: { value: 100, data: { message: 'chunk 10 of 10' } },
      });
      expect((await server.request('GET', `/progress/state?uid=${String(id)}`)).body).toBe('Job Completed');

      const thumbnails = await server.request('POST', '/media/thumbnails');
      const thumbnailsId = (thumbnails.body as { id: string }).id;
      expect(await server.poll(`/videos/jobs/${thumbnailsId}`, stateIs('completed'))).toMatchObject({
        result: ['intro.mp4@128.png', 'intro.mp4@512.png'],
      });
      expect((await server.request('GET', '/videos/jobs/asyncjob_unknown')).status).toBe(404);
      expect((await server.request('POST', '/checks/transaction-options')).status).toBe(201);
      expect((await server.request('GET', '/checks/health')).body).toMatchObject({ paused: false, accepting: true });
      expect([0, 'SIGTERM']).toContain(await server.stop());
    }, 90_000);
  });

  it("names the TypeORM entry point when an app uses entityManager() without importing nestjs-asyncjob/typeorm's types", async () => {
    const dir = appDir('core');
    writeFileSync(
      join(dir, 'src', 'no-typeorm-types.ts'),
      "import type { AsyncJobService } from 'nestjs-asyncjob';\n\n" +
        'export async function rename(jobs: AsyncJobService): Promise<void> {\n  const manager = await jobs.entityManager();\n  await manager.query("SELECT 1");\n}\n',
    );
    try {
      await expect(compileConsumerApp(dir)).rejects.toThrow(/Property 'query' does not exist on type 'TypeOrmTypesNotImported'/);
    } finally {
      rmSync(join(dir, 'src', 'no-typeorm-types.ts'));
    }
  }, 180_000);

  describe('typeorm: an app with typeorm and pg', () => {
    const table = `consumer_group_${randomBytes(4).toString('hex')}`;
    const env = { PGHOST: '127.0.0.1', PGPORT: '5432', PGUSER: 'postgres', PGDATABASE: 'test', GROUP_TABLE: table };
    const db = new DataSource({
      type: 'postgres',
      host: env.PGHOST,
      port: Number(env.PGPORT),
      username: env.PGUSER,
      database: env.PGDATABASE,
    });

    beforeAll(async () => {
      await db.initialize().catch((error: unknown) => {
        throw new Error(`PostgreSQL is needed at 127.0.0.1:5432 (database test): ${String(error)}`);
      });
      await db.query(`CREATE TABLE "${table}" (id serial PRIMARY KEY, "groupName" varchar NOT NULL, "displayName" varchar NOT NULL)`);
    });

    afterAll(async () => {
      await db.query(`DROP TABLE IF EXISTS "${table}"`);
      await db.destroy();
    });

    it("compiles the TypeORM recipes with skipLibCheck: false and TypeORM's own types", async () => {
      await compileConsumerApp(appDir('typeorm'));
    }, 180_000);

    it('runs: a group saved in a transaction is renamed by the job enqueued after its commit', async () => {
      const server = await start('typeorm', env);
      const created = await server.request('POST', '/groups', { name: 'Uno' });
      expect(created.status).toBe(201);
      const { groupId, jobId } = created.body as { groupId: number; jobId: string };
      expect(await server.poll(`/jobs/${jobId}`, stateIs('completed'))).toMatchObject({ name: 'GroupJobs.rename' });
      const rows: unknown = await db.query(`SELECT "groupName", "displayName" FROM "${table}" WHERE id = $1`, [groupId]);
      expect(rows).toEqual([{ groupName: 'Uno', displayName: 'Prova' }]);
      const read = await server.request('POST', `/jobs/read/${groupId}`);
      expect(await server.poll(`/jobs/${(read.body as { id: string }).id}`, stateIs('completed'))).toMatchObject({ state: 'completed' });
      expect([0, 'SIGTERM']).toContain(await server.stop());
    }, 90_000);
  });

  describe('redis: an app with ioredis and bullmq', () => {
    const redisUrl = 'redis://127.0.0.1:6379/14';
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });

    afterAll(() => redis.quit());

    it('compiles the Redis and BullMQ recipes with skipLibCheck: false', async () => {
      await compileConsumerApp(appDir('redis'));
    }, 180_000);

    it("runs: the job's progress and status are kept in Redis, under the recipe's key prefix", async () => {
      await redis.connect().catch((error: unknown) => {
        throw new Error(`Redis is needed at 127.0.0.1:6379: ${String(error)}`);
      });
      const server = await start('redis', { REDIS_URL: redisUrl });
      const { id } = (await server.request('POST', '/jobs')).body as { id: string };
      expect(await server.poll(`/jobs/${id}`, stateIs('completed'))).toMatchObject({
        result: 'done',
        progress: { value: 50, data: { message: 'half way' } },
      });
      const stored = JSON.parse((await redis.get(`shop:${id}:status`)) ?? 'null') as unknown;
      expect(stored).toMatchObject({ id, state: 'completed', result: 'done' });
      expect([0, 'SIGTERM']).toContain(await server.stop());
      await redis.del(`shop:${id}:status`);
    }, 90_000);
  });
});
