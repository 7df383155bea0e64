/**
 * Closing Redis connections at shutdown without throwing and without
 * hanging on a server that is away: the tracker's connections and the BullMQ
 * transport's close the same way.
 */
import type { Redis } from 'ioredis';

/** Longest wait for the server to close the socket after QUIT's reply, in ms. */
const QUIT_GRACE = 1000;

/** QUIT when connected (pending replies arrive first), otherwise just drop the socket and stop reconnecting. */
export async function closeQuietly(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  if (client.status === 'ready') {
    try {
      await client.quit();
      // The socket closes just after the reply; a server that never closes it gets a grace period.
      if (await settlesWithin(ended, QUIT_GRACE)) return;
    } catch {
      // Fall through: the connection is going away anyway.
    }
  }
  client.disconnect();
}

/**
 * Whether `promise` settles within `ms`; its rejection, if first, is
 * passed on. A server that is away must not hold a shutdown: the caller
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
