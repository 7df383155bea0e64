import { InvalidOptionError } from '../../errors/invalid-option.error.js';
import { poolSettings } from '../../shared/postgres/pool-settings.js';
import type { PgModule } from './pg-driver.types.js';
import type { PostgresPool, PostgresPoolConfig } from './postgres-pool.interface.js';
import type { PostgresProgressTrackerOptions } from './postgres-progress-tracker-options.interface.js';
import type { TrackerSettings } from './tracker-settings.js';

const OWNER = 'PostgresProgressTracker';

/** The tracker's pool, whether it must close it, and the settings its listening connection opens with. */
export interface TrackerPool {
  readonly pool: PostgresPool;
  readonly owned: boolean;
  readonly config: PostgresPoolConfig;
  /** The pool applies `commandTimeout` itself (one the tracker opened); a given pool gets it from the tracker. */
  readonly timesOut: boolean;
}

/** Whether `value` looks like a node-postgres pool (or anything that queries like one). */
function isPool(value: unknown): value is PostgresPool {
  const candidate = value as Partial<Record<keyof PostgresPool, unknown>> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.query === 'function' && typeof candidate.on === 'function';
}

/** The pool given in the options, or a new one built from them. */
export function createTrackerPool(options: PostgresProgressTrackerOptions, settings: TrackerSettings, load: () => PgModule): TrackerPool {
  if (options.pool !== undefined) {
    for (const clash of ['connectionString', 'poolConfig'] as const) {
      if (options[clash] !== undefined)
        throw new InvalidOptionError(`${OWNER}.${clash}`, options[clash], 'no connection setting when "pool" is given');
    }
    if (!isPool(options.pool)) throw new InvalidOptionError(`${OWNER}.pool`, options.pool, 'a node-postgres pool (new pg.Pool(...))');
    if (options.closePool !== undefined && typeof options.closePool !== 'boolean') {
      throw new InvalidOptionError(`${OWNER}.closePool`, options.closePool, 'a boolean');
    }
    return { pool: options.pool, owned: options.closePool === true, config: poolSettings(options.pool) ?? {}, timesOut: false };
  }
  if (options.closePool !== undefined)
    throw new InvalidOptionError(`${OWNER}.closePool`, options.closePool, 'no value unless "pool" is given');
  if (
    options.connectionString !== undefined &&
    (typeof options.connectionString !== 'string' || !/^postgres(ql)?:/.test(options.connectionString))
  ) {
    throw new InvalidOptionError(`${OWNER}.connectionString`, options.connectionString, 'a postgres:// or postgresql:// URL');
  }
  if (options.poolConfig !== undefined && (typeof options.poolConfig !== 'object' || options.poolConfig === null)) {
    throw new InvalidOptionError(`${OWNER}.poolConfig`, options.poolConfig, 'a node-postgres PoolConfig object');
  }
  const config: PostgresPoolConfig = {
    application_name: 'nestjs-asyncjob',
    connectionTimeoutMillis: settings.connectTimeout,
    // Client-side: a server that hangs rather than drops still answers the caller in time.
    query_timeout: settings.commandTimeout,
    ...(options.connectionString === undefined ? {} : { connectionString: options.connectionString }),
    ...options.poolConfig,
  };
  const pool = new (load().Pool)(config);
  return { pool, owned: true, config, timesOut: true };
}

/** `PostgreSQL at host:port (database name)`, for logs and errors; never the password. */
export function describeServer(config: PostgresPoolConfig): string {
  let url: URL | undefined;
  if (typeof config.connectionString === 'string') {
    try {
      url = new URL(config.connectionString);
    } catch {
      // Described from the other fields.
    }
  }
  const host = config.host ?? (url?.searchParams.get('host') || url?.hostname || undefined) ?? process.env.PGHOST ?? 'localhost';
  const port = config.port ?? (url?.port ? Number(url.port) : undefined) ?? process.env.PGPORT ?? 5432;
  const database = config.database ?? (url ? decodeURIComponent(url.pathname.slice(1)) || undefined : undefined) ?? process.env.PGDATABASE;
  return `PostgreSQL at ${host}:${port}${database ? ` (database ${database})` : ''}`;
}
