import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('../../fixtures/bullmq-optional-peer.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('../../fixtures/register-ts.mjs', import.meta.url));

describe('bullmq, an optional peer dependency', () => {
  it('is not loaded by importing nestjs-asyncjob or nestjs-asyncjob/bullmq, nor by building a transport, only when a module using it starts', async () => {
    // A fresh process: vitest's own module graph must not count.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', REGISTER, FIXTURE], { timeout: 60_000 });
    expect(JSON.parse(stdout)).toStrictEqual({ afterImport: false, afterEntryImport: false, afterConstruct: false, afterStart: true });
  }, 60_000);
});
