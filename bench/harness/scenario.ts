import type { Variant } from './alternate.js';
import type { Profile } from './profile.js';
import type { Figures, MetricSpec } from './types.js';

/**
 * One size or setting of a scenario, measured for every variant. `measure`
 * and `warmup` run in a child process; the rest is read by the runner.
 */
export interface BenchCase<V extends Variant = Variant> {
  readonly id: string;
  readonly title: string;
  readonly rounds: number;
  readonly metrics: readonly MetricSpec[];
  readonly variants: readonly V[];
  readonly notes?: readonly string[];
  /** Why this case cannot run against this build of the library (a feature not present yet); undefined when it can. */
  unavailable?(): string | undefined;
  /** An untimed run first, so a variant is not measured cold. */
  warmup?(variant: V): Promise<unknown>;
  /** One measured run of `variant`: a figure for every metric key. */
  measure(variant: V): Promise<Figures>;
}

export interface Scenario {
  readonly number: number;
  readonly title: string;
  cases(profile: Profile): readonly BenchCase[];
}

/** Lets a case be written with its own variant type and listed with the others. */
export function defineCase<V extends Variant>(benchCase: BenchCase<V>): BenchCase {
  return benchCase as unknown as BenchCase;
}

/** Microseconds since `start` (a `process.hrtime.bigint()` reading). */
export function microsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1000;
}
