import { isServerUnavailable } from '../../shared/postgres/server-unavailable.js';
/** Whether `error` means PostgreSQL is away (see isServerUnavailable): only that makes the tracker unavailable, not a missing table. */
export function isUnavailable(error: unknown): boolean {
  return !(error instanceof TableMissingError) && isServerUnavailable(error);
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
