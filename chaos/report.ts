import { describeMachine, type MachineInfo } from '../bench/harness/machine.js';
import type { ChaosEngine } from './engines/engine.js';
import type { ChaosOptions } from './options.js';
import type { EngineFigures } from './run/engine-run.js';

/** One row of the table: an engine's figures, or why it did not run. */
export interface EngineRow {
  readonly label: string;
  readonly store?: ChaosEngine['store'];
  readonly figures?: EngineFigures;
  /** Why there are no figures. */
  readonly notRun?: string;
}

export interface ChaosReport {
  readonly machine: MachineInfo;
  /** e.g. `PostgreSQL 17.5, Redis 7.0.15`. */
  readonly services: string;
  readonly options: ChaosOptions;
  readonly rows: readonly EngineRow[];
}

const STORES: Record<ChaosEngine['store'], string> = {
  none: 'none (no store)',
  redis: 'Redis',
  postgres: 'PostgreSQL',
};

function figuresCells(row: EngineRow): string[] {
  const figures = row.figures;
  if (!figures) return [row.notRun ?? 'not run', '–', '–', '–', '–', '–', '–', '–'];
  const restarts = row.store === 'none' || row.store === undefined ? STORES.none : `${figures.restarts} (${STORES[row.store]})`;
  return [
    String(figures.jobs),
    String(figures.kills),
    restarts,
    `**${figures.lost}**`,
    `**${figures.runTwice}**`,
    `**${figures.duplicated}**`,
    String(figures.pending),
    `${Math.round(figures.seconds)} s`,
  ];
}

/** The markdown printed on stdout and quoted in docs/postgres.md. */
export function renderReport(report: ChaosReport): string {
  const { options } = report;
  const header = [
    'Engine',
    'Jobs',
    'Worker kills',
    'Store restarts',
    'Jobs lost',
    'Jobs run twice',
    'Committed effects duplicated',
    'Pending at the deadline',
    'Time',
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, index) => (index === 0 || index === 3 ? '---' : '---:')).join('|')}|`,
    ...report.rows.map((row) => `| ${[row.label, ...figuresCells(row)].join(' | ')} |`),
  ];
  const details = report.rows
    .filter((row) => row.figures)
    .map(({ label, figures: f }) => {
      const extra = [f!.unaccepted > 0 ? `${f!.unaccepted} never accepted` : '', f!.crashes > 0 ? `${f!.crashes} workers crashed` : '']
        .filter(Boolean)
        .join(', ');
      return (
        `- ${label}: ${f!.runs} runs, ${f!.effects} committed effects; the longest a job waited to run again: ${f!.longestRerunWait} s; ` +
        `${f!.refusedStarts} jobs' starts refused at first and tried again${extra ? `; ${extra}` : ''}.`
      );
    });
  return [
    `${options.jobs} jobs per engine, ${options.workers} worker processes running ${options.concurrency} jobs each at once, ` +
      `jobs of ${options.workMs[0]}–${options.workMs[1]} ms handed over at ${options.rate} a second; ` +
      `a SIGKILL every ${options.killEvery} ms on average while they are handed over, ` +
      `${options.restarts} store restarts of ${options.downMs} ms; seed ${options.seed}.`,
    '',
    `${describeMachine(report.machine)} ${report.services}.`,
    '',
    ...lines,
    '',
    ...details,
  ].join('\n');
}
