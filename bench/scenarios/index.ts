import type { Scenario } from '../harness/scenario.js';

/**
 * Every scenario, by number, loaded on demand: a measuring child process
 * loads only the scenario it measures, so the modules of the others (queue
 * engines, database drivers) never change the process a figure comes from.
 * Loading pg-boss's and TypeORM's scenarios beside the in-process one was
 * enough to move p-queue's time by a third (docs/performance.md, tenth round).
 */
const LOADERS: readonly (() => Promise<Scenario>)[] = [
  async () => (await import('./throughput.scenario.js')).throughputScenario,
  async () => (await import('./latency.scenario.js')).latencyScenario,
  async () => (await import('./memory.scenario.js')).memoryScenario,
  async () => (await import('./redis-tracker.scenario.js')).redisTrackerScenario,
  async () => (await import('./typeorm.scenario.js')).typeormScenario,
  async () => (await import('./bullmq.scenario.js')).bullmqScenario,
  async () => (await import('./pg-boss.scenario.js')).pgBossScenario,
  async () => (await import('./postgres-tracker.scenario.js')).postgresTrackerScenario,
  async () => (await import('./start-in.scenario.js')).startInScenario,
];

/** Every scenario, in order (for the runner, which plans and reports them all). */
export function loadScenarios(): Promise<Scenario[]> {
  return Promise.all(LOADERS.map((load) => load()));
}

/** Scenario `number` alone (for a measuring child); `undefined` when there is none. */
export async function loadScenario(number: number): Promise<Scenario | undefined> {
  const load = LOADERS[number - 1];
  const scenario = load && (await load());
  return scenario?.number === number ? scenario : undefined;
}
