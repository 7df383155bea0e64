/**
 * `npm run bench` (full) and `npm run bench:smoke` (small N, every scenario).
 *
 *   node dist/bench/bench/main.js [--smoke] [--only=1,3 | --only=1:c8-burst-1000000]
 *                                 [--out=FILE] [--cpu-prof=DIR] [--strict]
 *
 * Runs every measurement in a child process (--expose-gc; see child.ts),
 * prints a markdown report on stdout (progress goes to stderr) and writes
 * the figures as JSON.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternate } from './harness/alternate.js';
import { PROFILES, type Profile } from './harness/profile.js';
import { machineInfo } from './harness/machine.js';
import { renderReport } from './harness/report.js';
import type { BenchCase, Scenario } from './harness/scenario.js';
import { evaluateTargets } from './harness/target.js';
import type { ChildReport } from './harness/child-report.js';
import type { CaseResult, MetricResult } from './harness/types.js';
import { loadScenarios } from './scenarios/index.js';
import { buildTargets } from './targets.js';

interface Options {
  readonly profile: Profile;
  readonly only: readonly string[];
  readonly out: string;
  readonly cpuProfileDir?: string;
  readonly strict: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const known = ['--smoke', '--strict', '--only=', '--out=', '--cpu-prof='];
  const unknown = argv.filter((arg) => !known.some((option) => (option.endsWith('=') ? arg.startsWith(option) : arg === option)));
  if (unknown.length > 0) throw new Error(`unknown argument(s) ${unknown.join(' ')}; see the header of bench/main.ts`);
  const profile = argv.includes('--smoke') ? PROFILES.smoke : PROFILES.full;
  const cpuProfileDir = value('cpu-prof');
  return {
    profile,
    only: value('only')?.split(',').filter(Boolean) ?? [],
    // Smoke figures must not overwrite the full run's, which docs/performance.md quotes.
    out: resolve(value('out') ?? (profile.name === 'smoke' ? 'dist/bench/results-smoke.json' : 'bench/results.json')),
    strict: argv.includes('--strict'),
    ...(cpuProfileDir ? { cpuProfileDir: resolve(cpuProfileDir) } : {}),
  };
}

function selected(only: readonly string[], scenario: Scenario, benchCase: BenchCase): boolean {
  return only.length === 0 || only.some((filter) => filter === String(scenario.number) || filter === `${scenario.number}:${benchCase.id}`);
}

/** Runs `child.js` with `args` in a fresh process and returns its report. */
async function runChild(options: Options, args: readonly string[], profileName: string): Promise<ChildReport> {
  const execArgv = ['--expose-gc', '--max-old-space-size=8192', '--enable-source-maps'];
  if (options.cpuProfileDir)
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${profileName}.cpuprofile`);
  const child = fork(fileURLToPath(new URL('./child.js', import.meta.url)), [options.profile.name, ...args], {
    execArgv,
    // The child's own output goes to stderr: stdout carries only the report.
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  let report: ChildReport | undefined;
  child.on('message', (message) => (report = message as ChildReport));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (!report) throw new Error(`child.js ${args.join(' ')} exited with ${signal ?? `code ${code}`} before reporting (its output is above)`);
  return report;
}

type Measured = Omit<CaseResult, 'seconds'>;

function caseResult(scenario: Scenario, benchCase: BenchCase, metrics: MetricResult[]): Measured {
  const base = { scenario: scenario.number, id: benchCase.id, title: benchCase.title, notes: benchCase.notes ?? [] };
  return { ...base, status: 'ran', rounds: benchCase.rounds, metrics };
}

/** A process per variant and round, variants alternating process by process. */
async function measureApart(options: Options, scenario: Scenario, benchCase: BenchCase): Promise<Measured> {
  const metrics = await alternate({
    ...benchCase,
    measure: async (variant, round) => {
      const tag = `s${scenario.number}-${benchCase.id}-${variant.name.replace(/\W+/g, '_')}-r${round}`;
      const report = await runChild(options, [String(scenario.number), benchCase.id, variant.name], tag);
      if (report.kind !== 'figures') throw new Error('child.js reported whole cases instead of one run');
      return report.figures;
    },
  });
  return caseResult(scenario, benchCase, metrics);
}

/** One process for all `cases` of a scenario, variants alternating inside it. */
async function measureTogether(options: Options, scenario: Scenario, cases: readonly BenchCase[]): Promise<Measured[]> {
  const report = await runChild(
    options,
    [String(scenario.number), cases.map((benchCase) => benchCase.id).join(',')],
    `s${scenario.number}`,
  );
  if (report.kind !== 'cases') throw new Error('child.js reported one run instead of whole cases');
  return cases.map((benchCase) => caseResult(scenario, benchCase, report.cases[benchCase.id] ?? []));
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const machine = machineInfo();
  const scenarios = await loadScenarios();
  const plan = scenarios
    .map((scenario) => ({
      scenario,
      cases: scenario.cases(options.profile).filter((benchCase) => selected(options.only, scenario, benchCase)),
    }))
    .filter(({ cases }) => cases.length > 0);
  if (plan.length === 0) throw new Error(`--only=${options.only.join(',')} selects no case`);
  const results: CaseResult[] = [];
  const failures: string[] = [];
  const steps = options.profile.isolation === 'variant' ? plan.reduce((sum, { cases }) => sum + cases.length, 0) : plan.length;
  let step = 0;
  /** Runs one step (a case, or a scenario's cases) and records what it measured or why it failed. */
  const record = async (label: string, work: () => Promise<Measured[]>): Promise<void> => {
    process.stderr.write(`[${++step}/${steps}] ${label}\n`);
    const started = performance.now();
    try {
      const measured = await work();
      const seconds = (performance.now() - started) / 1000;
      results.push(...measured.map((result) => ({ ...result, seconds: seconds / measured.length })));
      process.stderr.write(`    done in ${seconds.toFixed(1)} s\n`);
    } catch (error) {
      failures.push(`${label}: ${(error as Error).message}`);
      process.stderr.write(`    FAILED: ${(error as Error).message}\n`);
    }
  };
  for (const { scenario, cases } of plan) {
    const runnable: BenchCase[] = [];
    for (const benchCase of cases) {
      const reason = benchCase.unavailable?.();
      if (reason === undefined) runnable.push(benchCase);
      else {
        results.push({
          scenario: scenario.number,
          id: benchCase.id,
          title: benchCase.title,
          notes: [],
          status: 'not run',
          reason,
          rounds: 0,
          metrics: [],
          seconds: 0,
        });
        process.stderr.write(`    scenario ${scenario.number}, ${benchCase.id}: not run: ${reason}\n`);
      }
    }
    if (runnable.length === 0) continue;
    if (options.profile.isolation === 'scenario') {
      await record(`scenario ${scenario.number}: ${scenario.title}`, () => measureTogether(options, scenario, runnable));
    } else {
      for (const benchCase of runnable) {
        await record(`scenario ${scenario.number}, ${benchCase.id}: ${benchCase.title}`, async () => [
          await measureApart(options, scenario, benchCase),
        ]);
      }
    }
  }
  const targets = evaluateTargets(buildTargets(options.profile), results);
  const report = {
    machine,
    profile: options.profile,
    scenarios: scenarios.map(({ number, title }) => ({ number, title })),
    results,
    targets,
    failures,
  };
  process.stdout.write(renderReport(report));
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`Figures written to ${options.out}\n`);
  if (failures.length > 0 || (options.strict && targets.some((target) => target.met === false))) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
