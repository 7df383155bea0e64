import type { CaseResult, Measurement } from './types.js';

/** The measurement of `variant` for `metric` in case `caseId` of `scenario`, if that case ran. */
export function findMeasurement(
  results: readonly CaseResult[],
  scenario: number,
  caseId: string,
  metric: string,
  variant: string,
): Measurement | undefined {
  const found = results.find((result) => result.scenario === scenario && result.id === caseId && result.status === 'ran');
  return found?.metrics.find((candidate) => candidate.key === metric)?.measurements.find((m) => m.variant === variant);
}

/** Why a case has no figures: not run (feature absent), failed, or filtered out. */
export function absence(results: readonly CaseResult[], scenario: number, caseId: string): string {
  const found = results.find((result) => result.scenario === scenario && result.id === caseId);
  if (!found) return 'not measured in this run';
  return found.status === 'not run' ? `not run: ${found.reason ?? 'feature not present'}` : 'no such figure';
}
