/**
 * Runs measurements in a process of their own, so none inherits another's
 * heap, JIT state, GC debt or async hooks (an AsyncLocalStorage enabled by
 * one variant slows every promise of the next). Started by main.ts with
 * --expose-gc:
 *
 *   child.js PROFILE SCENARIO CASE VARIANT   one measured run of one variant (full run)
 *   child.js PROFILE SCENARIO CASE[,CASE…]   whole cases, variants alternating in here (smoke run)
 *
 * and sends a ChildReport back over IPC.
 */
import 'reflect-metadata';
import { alternate } from './harness/alternate.js';
import type { ChildReport } from './harness/child-report.js';
import { measureHere } from './harness/measure-here.js';
import { PROFILES, isProfileName } from './harness/profile.js';
import type { BenchCase } from './harness/scenario.js';
import type { MetricResult } from './harness/types.js';
import { loadScenario } from './scenarios/index.js';

async function report(args: readonly string[]): Promise<ChildReport> {
  const [profileName = '', scenarioNumber = '', caseIds = '', variantName] = args;
  if (!isProfileName(profileName)) throw new Error(`unknown profile ${JSON.stringify(profileName)}`);
  const scenario = await loadScenario(Number(scenarioNumber));
  if (!scenario) throw new Error(`no scenario ${scenarioNumber}`);
  const all = scenario.cases(PROFILES[profileName]);
  const cases = caseIds.split(',').map((id): BenchCase => {
    const found = all.find((candidate) => candidate.id === id);
    if (!found) throw new Error(`no case ${id} in scenario ${scenarioNumber}`);
    return found;
  });
  if (variantName === undefined) {
    const measured: Record<string, MetricResult[]> = {};
    for (const benchCase of cases)
      measured[benchCase.id] = await alternate({ ...benchCase, measure: (variant) => measureHere(benchCase, variant) });
    return { kind: 'cases', cases: measured };
  }
  const [benchCase] = cases;
  const variant = benchCase?.variants.find((candidate) => candidate.name === variantName);
  if (!benchCase || !variant) throw new Error(`no variant ${JSON.stringify(variantName)} in case ${caseIds}`);
  return { kind: 'figures', figures: await measureHere(benchCase, variant) };
}

report(process.argv.slice(2)).then(
  (result) => {
    if (!process.send) throw new Error('bench/child.js runs under bench/main.js, which reads its report over IPC');
    // Exit once the report is out: a client left open must not hang the suite.
    process.send(result, () => process.exit(0));
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
