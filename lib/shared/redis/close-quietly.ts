/**
 * Closing Redis connections at shutdown without throwing and without
 * hanging on a server that is away: the tracker's connections and the BullMQ
 * transport's close the same way.
 */
import type { Redis } from 'ioredis';
import { settlesWithin } from '../../utils/settles-within.js';

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
