import { isAbsolute, resolve } from 'node:path';

/** Where the sample keeps its rows: a SQLite file (the default) or PostgreSQL. */
export type SampleDatabaseConfig =
  { readonly type: 'sqlite'; readonly path: string } | { readonly type: 'postgres'; readonly url: string; readonly schema?: string };

/** Everything the sample reads from its environment, resolved once at start-up. */
export interface SampleConfig {
  readonly port: number;
  readonly database: SampleDatabaseConfig;
  /** Redis for the progress tracker; without it, progress lives in this process. */
  readonly redisUrl?: string;
  /** How many jobs run at once. */
  readonly concurrency: number;
  /** Pause between the media jobs' simulated work steps, in ms. */
  readonly stepMs: number;
  /** Pause between the progress demo's five reports (the original used one second). */
  readonly progressDemoPauseMs: number;
}

/** The file the sample uses when no DATABASE_URL is given; `data/` is git-ignored. */
export const DEFAULT_SQLITE_PATH = 'data/sample.sqlite';

/**
 * Reads the sample's configuration from environment variables. A bad value
 * stops start-up with a message naming the variable: a sample that silently
 * ignored a typo in DATABASE_URL would mislead more than it helps.
 */
export function loadSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const redisUrl = env.REDIS_URL?.trim();
  return {
    port: integerVar(env, 'PORT', 3000, 0, 65_535),
    database: parseDatabaseUrl(env.DATABASE_URL?.trim() || undefined),
    ...(redisUrl ? { redisUrl: parseRedisUrl(redisUrl) } : {}),
    concurrency: integerVar(env, 'JOB_CONCURRENCY', 2, 1, 64),
    stepMs: integerVar(env, 'SAMPLE_STEP_MS', 350, 0, 60_000),
    progressDemoPauseMs: integerVar(env, 'SAMPLE_DEMO_PAUSE_MS', 1000, 0, 60_000),
  };
}

/**
 * `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite:<path>`
 * (relative to the working directory, or `sqlite::memory:`) selects a SQLite
 * file; nothing selects {@link DEFAULT_SQLITE_PATH}.
 */
export function parseDatabaseUrl(url: string | undefined): SampleDatabaseConfig {
  if (url === undefined) return { type: 'sqlite', path: resolve(DEFAULT_SQLITE_PATH) };
  if (/^postgres(ql)?:\/\//i.test(url)) return { type: 'postgres', url };
  const sqlite = /^sqlite:(.+)$/i.exec(url);
  if (sqlite?.[1]) {
    const path = sqlite[1];
    return { type: 'sqlite', path: path === ':memory:' || isAbsolute(path) ? path : resolve(path) };
  }
  throw new Error(`DATABASE_URL must be postgres://user:password@host:port/database or sqlite:<path>, got ${JSON.stringify(redact(url))}`);
}

function parseRedisUrl(url: string): string {
  if (!/^rediss?:\/\//i.test(url)) {
    throw new Error(`REDIS_URL must be redis://host:port[/db] or rediss://…, got ${JSON.stringify(redact(url))}`);
  }
  return url;
}

function integerVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Keeps passwords out of start-up errors and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
