import type { Redis, RedisOptions } from 'ioredis';
import { InvalidOptionError } from '../../errors/invalid-option.error.js';
import { isRedisClient, openRedisClient } from '../../shared/redis/open-client.js';
import type { RedisProgressTrackerOptions } from './redis-progress-tracker-options.interface.js';

/** Named in the error when ioredis is missing. */
const FEATURE = 'RedisProgressTracker';
const CONNECTION_SETTINGS = ['url', 'host', 'port', 'db', 'username', 'password', 'tls', 'redisOptions'] as const;

/** The tracker's command connection, and whether the tracker must close it. */
export interface TrackerClient {
  readonly client: Redis;
  readonly owned: boolean;
}

/**
 * The client given in the options, or a new one built from them. A new
 * client never queues commands while disconnected, so a call made while Redis
 * is away fails at once.
 */
export function createTrackerClient(options: RedisProgressTrackerOptions, commandTimeout: number): TrackerClient {
  if (options.client !== undefined) {
    const clash = CONNECTION_SETTINGS.find((name) => options[name] !== undefined);
    if (clash)
      throw new InvalidOptionError(`RedisProgressTracker.${clash}`, options[clash], 'no connection setting when "client" is given');
    if (!isRedisClient(options.client)) {
      throw new InvalidOptionError('RedisProgressTracker.client', options.client, 'an ioredis client (new Redis(...))');
    }
    return { client: options.client, owned: options.closeClient === true };
  }
  if (options.closeClient !== undefined) {
    throw new InvalidOptionError('RedisProgressTracker.closeClient', options.closeClient, 'no value unless "client" is given');
  }
  const settings: RedisOptions = {
    ...options.redisOptions,
    db: database(options),
    enableOfflineQueue: false,
    commandTimeout,
    // A failed command is not retried behind the caller's back: it fails, and the caller decides.
    maxRetriesPerRequest: 0,
  };
  if (options.username !== undefined) settings.username = options.username;
  if (options.password !== undefined) settings.password = options.password;
  if (options.tls !== undefined) settings.tls = options.tls;
  if (options.url !== undefined) {
    for (const name of ['host', 'port'] as const) {
      if (options[name] !== undefined)
        throw new InvalidOptionError(`RedisProgressTracker.${name}`, options[name], 'no value when "url" is given');
    }
    return { client: openRedisClient(urlWithoutDatabase(options.url), settings, FEATURE), owned: true };
  }
  settings.host = options.host ?? settings.host ?? 'localhost';
  settings.port = port(options.port ?? settings.port ?? 6379);
  return { client: openRedisClient(settings, {}, FEATURE), owned: true };
}

/** `db` wins over the URL's database, which wins over the default, 15. */
function database(options: RedisProgressTrackerOptions): number {
  const fromUrl = options.url === undefined ? undefined : parseUrl(options.url).pathname.replace(/^\//, '');
  const db = options.db ?? (fromUrl ? Number(fromUrl) : undefined) ?? options.redisOptions?.db ?? 15;
  if (!Number.isSafeInteger(db) || db < 0)
    throw new InvalidOptionError('RedisProgressTracker.db', options.db ?? fromUrl, 'an integer >= 0');
  return db;
}

function port(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 65_535) {
    throw new InvalidOptionError('RedisProgressTracker.port', value, 'an integer from 1 to 65535');
  }
  return value;
}

function parseUrl(url: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // Reported below.
  }
  if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    throw new InvalidOptionError('RedisProgressTracker.url', url, 'a redis:// or rediss:// URL');
  }
  return parsed;
}

/** ioredis lets the URL's database beat the `db` option; the tracker wants the reverse. */
function urlWithoutDatabase(url: string): string {
  const parsed = parseUrl(url);
  parsed.pathname = '';
  return parsed.toString();
}
