/**
 * Whether `promise` settles within `ms`; its rejection, if first, is
 * passed on. A server (Redis, PostgreSQL) that is away must not hold a shutdown: the caller
 * gives up on it past the limit.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
