import { summarise } from './stats.js';
import type { Figures, MetricResult, MetricSpec, Role } from './types.js';

/** A contender in a case: ours or a baseline. */
export interface Variant {
  readonly name: string;
  readonly role: Role;
  /** How its figures were obtained, when not the plain way. */
  readonly note?: string;
}

export interface AlternationPlan<V extends Variant> {
  readonly variants: readonly V[];
  readonly rounds: number;
  readonly metrics: readonly MetricSpec[];
  /** One round of one variant; returns a figure for every metric key. */
  readonly measure: (variant: V, round: number) => Promise<Figures>;
}

/**
 * Runs every variant once per round, rotating who goes first, so drift of a
 * shared machine (another process, thermal state) falls on all of them alike
 * rather than on whoever always runs last.
 */
export async function alternate<V extends Variant>(plan: AlternationPlan<V>): Promise<MetricResult[]> {
  const samples = new Map<string, Map<string, number[]>>(plan.variants.map((variant) => [variant.name, new Map()]));
  for (let round = 0; round < plan.rounds; round++) {
    for (let i = 0; i < plan.variants.length; i++) {
      const variant = plan.variants[(round + i) % plan.variants.length]!;
      const figures = await plan.measure(variant, round);
      const byMetric = samples.get(variant.name)!;
      for (const metric of plan.metrics) {
        const value = figures[metric.key];
        if (value === undefined) throw new Error(`${variant.name} reported no figure for ${metric.key}`);
        byMetric.set(metric.key, [...(byMetric.get(metric.key) ?? []), value]);
      }
    }
  }
  return plan.metrics.map((metric) => ({
    ...metric,
    measurements: plan.variants.map((variant) => {
      const values = samples.get(variant.name)!.get(metric.key)!;
      return {
        variant: variant.name,
        role: variant.role,
        samples: values,
        ...summarise(values),
        ...(variant.note ? { note: variant.note } : {}),
      };
    }),
  }));
}
