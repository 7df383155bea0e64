import { randomFillSync } from 'node:crypto';

/** Blocks of 16 bytes drawn from the OS at once, as Node's own `randomUUID` does. */
const POOL_BLOCKS = 1024;

/** Random bytes for ids, refilled by {@link takeRandom16}; read only the block it hands out. */
export const randomPool = Buffer.allocUnsafe(16 * POOL_BLOCKS);
let next = randomPool.length;

/** Where the next 16 unused random bytes of {@link randomPool} start. */
export function takeRandom16(): number {
  if (next === randomPool.length) {
    randomFillSync(randomPool);
    next = 0;
  }
  const at = next;
  next += 16;
  return at;
}
