import type { CaseResult } from './types.js';

/** A stated target and how this run fared against it. */
export interface TargetResult {
  readonly scenario: number;
  readonly target: string;
  readonly measured: string;
  /** `null` when the figures it needs were not measured (feature absent or case filtered out). */
  readonly met: boolean | null;
}

export interface Target {
  readonly scenario: number;
  readonly target: string;
  evaluate(results: readonly CaseResult[]): { readonly measured: string; readonly met: boolean | null };
}

export function evaluateTargets(targets: readonly Target[], results: readonly CaseResult[]): TargetResult[] {
  return targets.map((target) => ({ scenario: target.scenario, target: target.target, ...target.evaluate(results) }));
}

export function verdict(met: boolean | null): string {
  if (met === null) return 'not run';
  return met ? 'met' : '**not met**';
}
