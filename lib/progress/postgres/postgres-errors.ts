/**
 * SQLSTATE classes meaning "the server cannot serve now" rather than "this
 * statement is wrong": connection exceptions (08), insufficient resources
 * (53), operator intervention (57: shutdown, cancel by statement_timeout) and
 * system errors (58).
 */
const UNAVAILABLE_STATE = /^(08|53|57|58)/;

/**
 * Whether `error` means PostgreSQL is away (or hangs), as opposed to a
 * statement the server refused for what it is (a missing table, a missing
 * privilege): only the first makes the tracker unavailable. A server error
 * carries a `severity`; socket errors, connect and read timeouts and
 * "Connection terminated" do not.
 */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof TableMissingError) return false;
  if (typeof error !== 'object' || error === null || !('severity' in error)) return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && UNAVAILABLE_STATE.test(code);
}

/**
 * Whether `error` came from a connection that died while idle in the pool
 * (the server restarted, or closed it): the pool notices only when it is
 * used, so one more try, on a new connection, tells an outage from a stale
 * connection. Timeouts are not among them: a server that hangs would make
 * the caller wait twice.
 */
export function isStaleConnection(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === '57P01' || code === '57P02' || /Connection terminated/i.test(error.message);
}

/** `promise`, or a rejection once `ms` have passed: a pool of the app's may have no timeout of its own. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The table is missing and the tracker may not create it: the setup is wrong, the server is fine. */
export class TableMissingError extends Error {
  constructor(table: string) {
    super(`table ${table} does not exist: create it (docs/postgres.md gives the SQL) or set createTable: true`);
  }
}
