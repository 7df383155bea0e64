/**
 * `npm run chaos`: what a SIGKILL costs, per engine.
 *
 *   node dist/chaos/chaos/main.js [--jobs 300] [--engines in-process,bullmq-redis,bullmq-postgres,pg-boss]
 *        [--seed 1] [--kill-every 1500] [--workers 3] [--concurrency 4] [--rate 20]
 *        [--restarts 2] [--down-ms 1500] [--deadline 180] [--work-ms 200-800]
 *
 * Starts a PostgreSQL cluster and a redis-server of its own on free ports
 * (nothing else on the machine is touched), then, engine after engine, runs
 * `--jobs` jobs on worker processes while it SIGKILLs them at random moments
 * and restarts the engine's store, and counts per engine the jobs lost, the
 * jobs run twice and the committed effects duplicated. Progress goes to
 * stderr, the markdown table (quoted in docs/postgres.md) to stdout, and the
 * processes' own output to a log file it names.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machineInfo } from '../bench/harness/machine.js';
import type { ChaosEngine } from './engines/engine.js';
import { ENGINES, loadEngine } from './engines/registry.js';
import { parseOptions } from './options.js';
import { renderReport, type EngineRow } from './report.js';
import { runEngine } from './run/engine-run.js';
import { ChaosServices } from './run/services.js';

function redisVersion(): string {
  try {
    return /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const machine = machineInfo();
  const selected = ENGINES.filter((entry) => options.engines.includes(entry.name));
  const engines = await Promise.all(selected.map(async (entry) => ({ ...entry, engine: await loadEngine(entry.name) })));
  const available = engines.filter((entry): entry is typeof entry & { engine: ChaosEngine } => entry.engine !== undefined);
  const logFile = join(mkdtempSync(join(tmpdir(), 'asyncjob-chaos-')), 'processes.log');
  process.stderr.write(`The processes' output goes to ${logFile}\n`);

  const services = await ChaosServices.start(available.some(({ engine }) => engine.store === 'redis'));
  // Interrupted or crashed, the run still stops its PostgreSQL cluster and redis-server (its workers exit with it).
  const stopOnSignal = (): void => void services.stop().finally(() => process.exit(130));
  const stopOnCrash = (error: unknown): void => {
    console.error(error);
    void services.stop().finally(() => process.exit(1));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('uncaughtException', stopOnCrash);
  const rows: EngineRow[] = [];
  let versions: string;
  try {
    const [postgres] = await services.query<{ server_version: string }>('SHOW server_version');
    versions = `PostgreSQL ${postgres?.server_version ?? 'unknown'}${services.redis ? `, Redis ${redisVersion()}` : ''}`;
    for (const { name, label, engine } of engines) {
      if (!engine) rows.push({ label, notRun: 'not run (not available in this build)' });
      else rows.push({ label, store: engine.store, figures: await runEngine(name, engine, services, options, logFile) });
    }
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('uncaughtException', stopOnCrash);
    await services.stop();
  }
  process.stdout.write(`${renderReport({ machine, services: versions, options, rows })}\n`);
}

main().then(
  // Nothing the run opened may keep it alive once the table is out.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
