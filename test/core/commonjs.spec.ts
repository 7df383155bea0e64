import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const outDir = fileURLToPath(new URL('../artifacts/commonjs/', import.meta.url));

/** A CommonJS app, as a user with an older Nest codebase writes it: require() everywhere, no decorators needed. */
const app = `
require('reflect-metadata');
const { NestFactory } = require('@nestjs/core');
const { Module } = require('@nestjs/common');
const { AsyncJobModule, AsyncJobService } = require('./dist/lib/index.js');

class AppModule {}
Module({ imports: [AsyncJobModule.forRoot({ concurrency: 2 })] })(AppModule);

(async () => {
  const ctx = await NestFactory.createApplicationContext(AppModule, { logger: false });
  const jobs = ctx.get(AsyncJobService);
  const id = await jobs.perform(async (n) => {
    await jobs.setProgress(50);
    return n * 2;
  }, 21);
  const status = await jobs.waitFor(id);
  await ctx.close();
  process.stdout.write(JSON.stringify({ id, state: status.state, result: status.result }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

describe('CommonJS consumers', () => {
  afterAll(() => rm(outDir, { recursive: true, force: true }));

  it('require() the built ES module (require(esm)) and run a job from a CommonJS app', async () => {
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    await run(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`, '--outDir', `${outDir}dist`], { cwd: root });
    await writeFile(`${outDir}dist/package.json`, JSON.stringify({ type: 'module' }));
    await writeFile(`${outDir}app.cjs`, app);
    const { stdout } = await run(process.execPath, [`${outDir}app.cjs`], { cwd: outDir });
    expect(JSON.parse(stdout)).toEqual({ id: expect.stringMatching(/^asyncjob_/), state: 'completed', result: 42 });
  }, 60_000);
});
