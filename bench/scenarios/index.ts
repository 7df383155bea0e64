import type { Scenario } from '../harness/scenario.js';
import { bullmqScenario } from './bullmq.scenario.js';
import { latencyScenario } from './latency.scenario.js';
import { memoryScenario } from './memory.scenario.js';
import { pgBossScenario } from './pg-boss.scenario.js';
import { postgresTrackerScenario } from './postgres-tracker.scenario.js';
import { startInScenario } from './start-in.scenario.js';
import { redisTrackerScenario } from './redis-tracker.scenario.js';
import { throughputScenario } from './throughput.scenario.js';
import { typeormScenario } from './typeorm.scenario.js';

export const SCENARIOS: readonly Scenario[] = [
  throughputScenario,
  latencyScenario,
  memoryScenario,
  redisTrackerScenario,
  typeormScenario,
  bullmqScenario,
  pgBossScenario,
  postgresTrackerScenario,
  startInScenario,
];
