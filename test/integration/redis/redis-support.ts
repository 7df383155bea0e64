import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The shared test Redis. Tests use db 15 (the tracker's default) and a prefix of their own, and delete their keys. */
export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;
export const REDIS_DB = 15;

/** A key prefix no other test run uses. */
export function uniquePrefix(name: string): string {
  return `asyncjob-test:${name}:${randomUUID().slice(0, 8)}:`;
}

/** A plain client on the test database, for looking at keys. Never retries, so a missing Redis fails fast. */
export function inspector(port = REDIS_PORT, db = REDIS_DB): Redis {
  return new Redis({
    host: REDIS_HOST,
    port,
    db,
    lazyConnect: true,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
}

/**
 * Fails (never skips) when the test Redis cannot be reached, with a message
 * that names it. Returns a connected inspector client.
 */
export async function requireRedis(port = REDIS_PORT): Promise<Redis> {
  const client = inspector(port);
  let cause = '';
  client.on('error', (error: Error) => (cause = error.message));
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (error) {
    client.disconnect();
    throw new Error(
      `Redis is required by these tests but is unreachable at ${REDIS_HOST}:${port} (${cause || (error as Error).message}); ` +
        `start redis-server on that port (CI=${process.env.CI ?? 'unset'})`,
    );
  }
}

/** Deletes every key under `prefix` in the test database. */
export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Calls per command since the last `CONFIG RESETSTAT`, from `INFO commandstats`. */
export async function commandCalls(client: Redis): Promise<Map<string, number>> {
  const info = await client.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]));
  return calls;
}
