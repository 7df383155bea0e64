import { setImmediate as nextMacrotask } from 'node:timers/promises';

type Collect = () => void;

function collector(): Collect {
  const gc = (globalThis as { gc?: Collect }).gc;
  if (!gc) throw new Error('heap figures need a full GC: run node with --expose-gc (the bench runner does)');
  return gc;
}

/**
 * Live heap bytes after the pending microtasks have run and two full GCs:
 * what is still reachable, not what happens to be uncollected.
 */
export async function liveHeap(): Promise<number> {
  await nextMacrotask();
  const gc = collector();
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A full GC before a timed run, so one run's garbage is not paid for by the next. */
export function collectGarbage(): void {
  collector()();
}
