/** Which way a metric improves; ratios are always ours / baseline of the metric as given. */
export type Better = 'lower' | 'higher';

/** Whose figure a measurement is: the library's, or what a user would pick instead. */
export type Role = 'ours' | 'baseline';

/** How a run is sized: `full` for `npm run bench`, `smoke` for CI (small N, every scenario). */
export type ProfileName = 'full' | 'smoke';

/** What a metric measures; the same for every variant of a case. */
export interface MetricSpec {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly better: Better;
  /** False where a ratio means nothing (e.g. heap growth around zero). @default true */
  readonly compare?: boolean;
}

/** One variant's figures for one metric over every round. */
export interface Measurement {
  readonly variant: string;
  readonly role: Role;
  readonly samples: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** E.g. how a figure was estimated when measuring it fully would take too long. */
  readonly note?: string;
}

export interface MetricResult extends MetricSpec {
  readonly measurements: readonly Measurement[];
}

/** What one case (one child process) reports. */
export interface CaseResult {
  readonly scenario: number;
  readonly id: string;
  readonly title: string;
  /** `not run` only when the feature under test is not in the library yet. */
  readonly status: 'ran' | 'not run';
  readonly reason?: string;
  readonly rounds: number;
  readonly metrics: readonly MetricResult[];
  readonly notes: readonly string[];
  readonly seconds: number;
}

/** One thing a case measures, in every variant: a number per metric key. */
export type Figures = Readonly<Record<string, number>>;
