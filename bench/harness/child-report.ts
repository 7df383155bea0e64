import type { Figures, MetricResult } from './types.js';

/** What a child process sends back: one run's figures, or whole cases measured in it, by case id. */
export type ChildReport =
  | { readonly kind: 'figures'; readonly figures: Figures }
  | { readonly kind: 'cases'; readonly cases: Readonly<Record<string, MetricResult[]>> };
