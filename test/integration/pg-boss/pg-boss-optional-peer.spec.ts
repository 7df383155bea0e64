import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dropSchema, requirePostgres, uniqueSchema } from './pg-boss-support.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/pg-boss-optional-peer.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('../../fixtures/register-ts.mjs', import.meta.url));

describe('pg-boss, an optional peer dependency', () => {
  it('is not loaded by importing nestjs-asyncjob or nestjs-asyncjob/pg-boss, nor by building a transport, only when a module using it starts', async () => {
    const pool = await requirePostgres();
    const schema = uniqueSchema('peer');
    try {
      // A fresh process: vitest's own module graph must not count.
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', REGISTER, FIXTURE], {
        timeout: 60_000,
        env: { ...process.env, PGBOSS_SCHEMA: schema },
      });
      expect(JSON.parse(stdout)).toStrictEqual({ afterImport: false, afterEntryImport: false, afterConstruct: false, afterStart: true });
    } finally {
      await dropSchema(pool, schema);
      await pool.end();
    }
  }, 60_000);
});
