/**
 * SQLSTATE classes meaning "the server cannot serve now" rather than "this
 * statement is wrong": connection exceptions (08), insufficient resources
 * (53), operator intervention (57: shutdown, cancel by statement_timeout) and
 * system errors (58).
 */
const UNAVAILABLE_STATE = /^(08|53|57|58)/;

/**
 * Whether `error`, from node-postgres, means PostgreSQL is away (or hangs),
 * as opposed to a statement the server refused for what it is (a missing
 * table, a missing privilege). A server error carries a `severity`; socket
 * errors, connect and read timeouts and "Connection terminated" do not.
 */
export function isServerUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('severity' in error)) return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && UNAVAILABLE_STATE.test(code);
}
