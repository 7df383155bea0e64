import { isAbsolute, resolve } from 'node:path';

/** Where the sample keeps its rows: a SQLite file (the default) or PostgreSQL. */
export type SampleDatabaseConfig =
  { readonly type: 'sqlite'; readonly path: string } | { readonly type: 'postgres'; readonly url: string; readonly schema?: string };

/**
 * Which engine runs the media jobs: `local`, in the process that accepted
 * them (the default), or `pg-boss`, queued in PostgreSQL and run by worker
 * processes, with pg-boss's tables in `schema` (progress and statuses in
 * `<schema>_progress`).
 */
export type SampleJobsConfig = { readonly engine: 'local' } | { readonly engine: 'pg-boss'; readonly schema: string };

/**
 * What a process of the sample does: `web` serves the page and the API
 * (main.ts); `worker` runs pg-boss jobs and serves nothing (worker.ts). With
 * the local engine there is only `web`, which runs its own jobs.
 */
export type SampleRole = 'web' | 'worker';

/** Everything the sample reads from its environment, resolved once at start-up. */
export interface SampleConfig {
  readonly port: number;
  readonly database: SampleDatabaseConfig;
  /** Redis for the progress tracker; without it, progress lives in this process (or in PostgreSQL with pg-boss). */
  readonly redisUrl?: string;
  /** JOB_ENGINE and JOB_SCHEMA. */
  readonly jobs: SampleJobsConfig;
  /** How many jobs run at once. */
  readonly concurrency: number;
  /** Pause between the media jobs' simulated work steps, in ms. */
  readonly stepMs: number;
  /** Pause between the progress demo's five reports (the original used one second). */
  readonly progressDemoPauseMs: number;
}

/** The file the sample uses when no DATABASE_URL is given; `data/` is git-ignored. */
export const DEFAULT_SQLITE_PATH = 'data/sample.sqlite';

/** The schema of pg-boss's tables when JOB_SCHEMA is not given. */
export const DEFAULT_JOB_SCHEMA = 'framesmith_jobs';

/**
 * Reads the sample's configuration from environment variables. A bad value
 * stops start-up with a message naming the variable: a sample that silently
 * ignored a typo in DATABASE_URL would mislead more than it helps.
 */
export function loadSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const redisUrl = env.REDIS_URL?.trim();
  const database = withSchema(parseDatabaseUrl(env.DATABASE_URL?.trim() || undefined), env.DATABASE_SCHEMA?.trim());
  const jobs = parseJobEngine(env, database);
  if (redisUrl && jobs.engine === 'pg-boss') {
    throw new Error('REDIS_URL is not used with JOB_ENGINE=pg-boss, which keeps progress and statuses in PostgreSQL: unset it');
  }
  return {
    port: integerVar(env, 'PORT', 3000, 0, 65_535),
    database,
    ...(redisUrl ? { redisUrl: parseRedisUrl(redisUrl) } : {}),
    jobs,
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

/** DATABASE_SCHEMA: an existing PostgreSQL schema for the sample's tables; the connection's default without it. */
function withSchema(database: SampleDatabaseConfig, schema: string | undefined): SampleDatabaseConfig {
  if (!schema) return database;
  if (database.type !== 'postgres') throw new Error('DATABASE_SCHEMA needs a PostgreSQL DATABASE_URL (postgres://…)');
  return { ...database, schema: schemaName('DATABASE_SCHEMA', schema, 63) };
}

/** JOB_ENGINE: `local` (the default) or `pg-boss`, which needs PostgreSQL; JOB_SCHEMA goes with pg-boss only. */
function parseJobEngine(env: NodeJS.ProcessEnv, database: SampleDatabaseConfig): SampleJobsConfig {
  const engine = env.JOB_ENGINE?.trim() || 'local';
  const schema = env.JOB_SCHEMA?.trim();
  if (engine === 'local') {
    if (schema) throw new Error('JOB_SCHEMA is only used with JOB_ENGINE=pg-boss');
    return { engine };
  }
  if (engine !== 'pg-boss') throw new Error(`JOB_ENGINE must be local or pg-boss, got ${JSON.stringify(engine)}`);
  if (database.type !== 'postgres') {
    throw new Error('JOB_ENGINE=pg-boss keeps the jobs in PostgreSQL: set DATABASE_URL=postgres://user:password@host:port/database too');
  }
  // At most 39 characters, PgBossTransport's limit: the progress schema beside it adds "_progress".
  return { engine, schema: schema ? schemaName('JOB_SCHEMA', schema, 39) : DEFAULT_JOB_SCHEMA };
}

function schemaName(name: string, value: string, maxLength: number): string {
  if (!new RegExp(`^[a-z_][a-z0-9_]{0,${maxLength - 1}}$`).test(value)) {
    throw new Error(
      `${name} must be a lower-case PostgreSQL name (letters, digits and _, at most ${maxLength} characters), got ${JSON.stringify(value)}`,
    );
  }
  return value;
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
