import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dropSchema, requirePostgres, uniqueSchema } from '../postgres/postgres-support.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/bullmq-optional-peer.ts', import.meta.url));
const REGISTER = fileURLToPath(new URL('../../fixtures/register-ts.mjs', import.meta.url));

/** The fixture's answer, in a fresh process: vitest's own module graph must not count. */
async function loadedPeers(env: Record<string, string> = {}): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', REGISTER, FIXTURE], {
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return JSON.parse(stdout);
}

const NEVER = { afterImport: false, afterEntryImport: false, afterConstruct: false, afterStart: false };
const ON_START = { afterImport: false, afterEntryImport: false, afterConstruct: false, afterStart: true };

describe('bullmq, an optional peer dependency', () => {
  it('is not loaded by importing nestjs-asyncjob or nestjs-asyncjob/bullmq, nor by building a transport, only when a module using it starts; on Redis, pg never is', async () => {
    expect(await loadedPeers()).toStrictEqual({ bullmq: ON_START, pg: NEVER, ioredis: ON_START });
  }, 60_000);

  it('on PostgreSQL, pg is loaded only when a module with a PG-backed transport starts, and ioredis never is', async () => {
    const pool = await requirePostgres();
    const schema = uniqueSchema('bullmq_peer');
    try {
      expect(await loadedPeers({ BULLMQ_SCHEMA: schema })).toStrictEqual({ bullmq: ON_START, pg: ON_START, ioredis: NEVER });
    } finally {
      await dropSchema(pool, schema);
      await dropSchema(pool, `${schema}_progress`);
      await pool.end();
    }
  }, 60_000);
});
