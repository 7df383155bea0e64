import { collectGarbage } from './heap.js';
import type { BenchCase } from './scenario.js';
import type { Variant } from './alternate.js';
import type { Figures } from './types.js';

/** Warm-up, full GC, then one measured run of `variant`, in this process. */
export async function measureHere(benchCase: BenchCase, variant: Variant): Promise<Figures> {
  if (benchCase.warmup) await benchCase.warmup(variant);
  collectGarbage();
  return benchCase.measure(variant);
}
