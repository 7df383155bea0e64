import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('../../fixtures/postgres-optional-peer.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('../../fixtures/register-ts.mjs', import.meta.url));

describe('pg, an optional peer dependency', () => {
  it('is not loaded by importing nestjs-asyncjob or nestjs-asyncjob/postgres, only when a PostgresProgressTracker is constructed', async () => {
    // A fresh process: vitest's own module graph (the tests import pg elsewhere) must not count.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', REGISTER, FIXTURE], { timeout: 60_000 });
    expect(JSON.parse(stdout)).toStrictEqual({ afterImport: false, afterEntryImport: false, afterConstruct: true });
  }, 60_000);
});
