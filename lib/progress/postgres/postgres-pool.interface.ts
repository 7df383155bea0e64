/**
 * Connection settings for the pool the PostgreSQL tracker opens: node-postgres's
 * `PoolConfig`, of which the usual fields are listed; any other `pg` option is
 * passed on as it is.
 *
 * @publicApi
 */
export interface PostgresPoolConfig {
  /** Server host, or the directory of its Unix socket. @default 'localhost' (or `PGHOST`) */
  readonly host?: string;
  /** Server port. @default 5432 (or `PGPORT`) */
  readonly port?: number;
  /** User name. @default `PGUSER`, else the OS user */
  readonly user?: string;
  /** Password, or a function returning it (for rotating credentials). */
  readonly password?: string | (() => string | Promise<string>);
  /** Database name. @default `PGDATABASE`, else the user name */
  readonly database?: string;
  /** `postgresql://user:password@host:port/database?…`; fields above win over it. */
  readonly connectionString?: string;
  /** TLS: `true`, or `tls.connect` options. */
  readonly ssl?: boolean | object;
  /** Most connections the pool opens. @default 10 */
  readonly max?: number;
  /** How long an idle connection stays open, in ms. @default 10000 */
  readonly idleTimeoutMillis?: number;
  /** Shown in `pg_stat_activity`. @default 'nestjs-asyncjob' */
  readonly application_name?: string;
  /** Any other node-postgres `PoolConfig` option. */
  readonly [option: string]: unknown;
}

/** What a query answers, as far as the tracker reads it. */
export interface PostgresQueryResult {
  /** The rows, one object per row, by column name. */
  readonly rows: ReadonlyArray<Record<string, unknown>>;
}

/**
 * The part of a node-postgres `Pool` (`new pg.Pool(...)`) the tracker uses:
 * give your app's pool and the tracker shares it instead of opening one.
 * It also reads the pool's settings (`pool.options`, which every `pg.Pool`
 * has) to open its one listening connection.
 *
 * @publicApi
 */
export interface PostgresPool {
  /** Runs one statement, with `$1`… parameters. */
  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
  /** The tracker listens for `error` (an idle connection that died) to notice outages. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Removes that listener again when the tracker closes. */
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  /** Closes every connection; called only for a pool the tracker opened, or with `closePool`. */
  end(): Promise<void>;
}
