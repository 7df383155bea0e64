import { describeMachine, type MachineInfo } from './machine.js';
import type { Profile } from './profile.js';
import { formatFigure } from './stats.js';
import { verdict, type TargetResult } from './target.js';
import type { CaseResult, Measurement, MetricResult } from './types.js';

export interface ScenarioHeading {
  readonly number: number;
  readonly title: string;
}

export interface Report {
  readonly machine: MachineInfo;
  readonly profile: Profile;
  readonly scenarios: readonly ScenarioHeading[];
  readonly results: readonly CaseResult[];
  readonly targets: readonly TargetResult[];
  /** Cases whose process failed: named with the reason. */
  readonly failures: readonly string[];
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function ratio(metric: MetricResult, ours: Measurement | undefined, measurement: Measurement): string {
  if (metric.compare === false || !ours || measurement.role === 'ours' || measurement.median === 0) return '';
  return `${formatFigure(ours.median / measurement.median)}×`;
}

function metricRows(result: CaseResult, metric: MetricResult, first: boolean): string[] {
  const ours = metric.measurements.find((m) => m.role === 'ours');
  return metric.measurements.map((measurement, i) =>
    row([
      first && i === 0 ? result.title : '',
      i === 0 ? `${metric.label} (${metric.unit})` : '',
      (measurement.role === 'ours' ? `**${measurement.variant}**` : measurement.variant) +
        (measurement.note ? ` (${measurement.note})` : ''),
      formatFigure(measurement.median),
      `${formatFigure(measurement.min)} – ${formatFigure(measurement.max)}`,
      ratio(metric, ours, measurement),
    ]),
  );
}

function caseRows(result: CaseResult): string[] {
  if (result.status === 'not run') return [row([result.title, '', `not run: ${result.reason ?? 'feature not present'}`, '', '', ''])];
  return result.metrics.flatMap((metric, i) => metricRows(result, metric, i === 0));
}

function scenarioSection(heading: ScenarioHeading, results: readonly CaseResult[]): string[] {
  const cases = results.filter((result) => result.scenario === heading.number);
  if (cases.length === 0) return [];
  const notes = cases.flatMap((result) => result.notes.map((note) => `- ${result.title}: ${note}`));
  const rounds = [...new Set(cases.filter((result) => result.status === 'ran').map((result) => result.rounds))].join(' or ');
  return [
    `### ${heading.number}. ${heading.title}`,
    '',
    ...(rounds ? [`Rounds per case: ${rounds}.`, ''] : []),
    row(['case', 'metric', 'variant', 'median', 'min – max', 'ours ÷ this']),
    row(['---', '---', '---', '---:', '---:', '---:']),
    ...cases.flatMap(caseRows),
    ...(notes.length > 0 ? ['', ...notes] : []),
    '',
  ];
}

/** The markdown printed on stdout and quoted in docs/performance.md. */
export function renderReport(report: Report): string {
  const { machine } = report;
  return [
    `## Benchmark results (${report.profile.name} profile)`,
    '',
    describeMachine(machine),
    '',
    'Every figure is the median over the rounds, min – max beside it; variants alternate round by round, ' +
      (report.profile.isolation === 'variant'
        ? "each run in a fresh process (no variant inherits another's heap, JIT state or async hooks). "
        : 'all runs of a scenario in one process (smoke run: figures only show that nothing rotted). ') +
      '"ours ÷ this" divides the (first) **nestjs-asyncjob** median by that baseline\'s: below 1 the library needs less ' +
      'time, memory or commands; for "/s" figures above 1 means it does more.',
    '',
    ...report.scenarios.flatMap((heading) => scenarioSection(heading, report.results)),
    '### Targets',
    '',
    row(['scenario', 'target', 'measured', 'result']),
    row(['---', '---', '---', '---']),
    ...report.targets.map((target) => row([String(target.scenario), target.target, target.measured, verdict(target.met)])),
    ...(report.failures.length > 0 ? ['', '### Failed cases', '', ...report.failures.map((failure) => `- ${failure}`)] : []),
    '',
  ].join('\n');
}
