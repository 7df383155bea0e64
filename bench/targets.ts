import { absence, findMeasurement } from './harness/lookup.js';
import type { Profile } from './harness/profile.js';
import { formatFigure, percentile } from './harness/stats.js';
import type { Target } from './harness/target.js';
import type { CaseResult, Measurement } from './harness/types.js';
import { pQueue } from './queues/p-queue.queue.js';
import { subjectMergeMap } from './queues/subject-merge-map.queue.js';
import { OURS } from './queues/variants.js';
import { BULLMQ_CASE_ID, JOBS_PER_SECOND, OURS_BULLMQ, RAW_BULLMQ } from './scenarios/bullmq.scenario.js';
import { LATENCY_CASE_ID, P99 } from './scenarios/latency.scenario.js';
import { OURS_PG_BOSS, PG_BOSS_CASE_ID, RAW_PG_BOSS } from './scenarios/pg-boss.scenario.js';
import { OURS_START_IN, PER_TRANSACTION, RAW_SEND_IN, START_IN_CASE_ID } from './scenarios/start-in.scenario.js';
import { POSTGRES_TRACKER_CASE_ID } from './scenarios/postgres-tracker.scenario.js';
import { BYTES_PER_QUEUED, GROWTH_LATE, OURS_NO_RETENTION, QUEUED_CASE_ID, RETAINED_CASE_ID } from './scenarios/memory.scenario.js';
import { trackedJobName, WHOLE_JOB_COUNT } from './queues/progress-updates.js';
import { REDIS_CASE_ID } from './scenarios/redis-tracker.scenario.js';
import { burstCaseId, PER_JOB, steadyCaseId } from './scenarios/throughput.scenario.js';
import {
  IDLE_CASE_ID,
  INSERT_CASE_ID,
  PER_INSERT_JOB,
  CONNECTIONS_TAKEN,
  PLAIN_QUERY_RUNNER,
  OURS_WITH_DATA_SOURCE,
} from './scenarios/typeorm.scenario.js';

interface Point {
  readonly scenario: number;
  readonly caseId: string;
  readonly metric: string;
  readonly variant: string;
}

/** The measurement at `point`, or why there is none. */
function measurementAt(results: readonly CaseResult[], point: Point): Measurement | string {
  return (
    findMeasurement(results, point.scenario, point.caseId, point.metric, point.variant) ?? absence(results, point.scenario, point.caseId)
  );
}

/**
 * Two variants of one case, measured in turn round by round: the median of
 * their per-round ratios. A machine that drifts then weighs on both sides of
 * each ratio alike, whereas the ratio of the two medians can set one
 * variant's fast rounds against the other's slow ones.
 */
function pairedRatio(first: Measurement, second: Measurement): number | undefined {
  if (first.samples.length !== second.samples.length) return undefined;
  return percentile(
    first.samples.map((value, round) => value / second.samples[round]!),
    50,
  );
}

function sameCase(a: Point, b: Point): boolean {
  return a.scenario === b.scenario && a.caseId === b.caseId && a.metric === b.metric;
}

/** A target on one figure, or on the ratio of two: met when `test` holds. */
function figureTarget(
  scenario: number,
  target: string,
  points: readonly [Point] | readonly [Point, Point],
  test: (value: number) => boolean,
  unit = '',
): Target {
  return {
    scenario,
    target,
    evaluate: (results) => {
      const found = points.map((point) => measurementAt(results, point));
      const missing = found.find((value): value is string => typeof value === 'string');
      if (missing !== undefined) return { measured: missing, met: null };
      const [first, second] = found as Measurement[];
      if (second === undefined) return { measured: `${formatFigure(first!.median)} ${unit}`.trim(), met: test(first!.median) };
      const medians = `${formatFigure(first!.median)} / ${formatFigure(second.median)} ${unit}`.trim();
      const paired = sameCase(points[0], points[1]!) ? pairedRatio(first!, second) : undefined;
      if (paired !== undefined) {
        return {
          measured: `${formatFigure(paired)}× round by round (medians ${medians}: ${formatFigure(first!.median / second.median)}×)`,
          met: test(paired),
        };
      }
      const value = first!.median / second.median;
      return { measured: `${formatFigure(value)}× (${medians})`, met: test(value) };
    },
  };
}

function throughputTargets(profile: Profile): Target[] {
  const { concurrencies, bursts } = profile.throughput;
  const smallest = Math.min(...bursts);
  const largest = Math.max(...bursts);
  const at = (caseId: string, variant: string): Point => ({ scenario: 1, caseId, metric: PER_JOB.key, variant });
  return concurrencies.flatMap((c) => [
    ...[steadyCaseId(c), ...bursts.map((size) => burstCaseId(c, size))].map((caseId) =>
      figureTarget(
        1,
        `concurrency ${c}, ${caseId.replace(/^c\d+-/, '')}: no slower than p-queue (ours / p-queue ≤ 1.0)`,
        [at(caseId, OURS.name), at(caseId, pQueue.name)],
        (r) => r <= 1,
        'µs',
      ),
    ),
    figureTarget(
      1,
      `concurrency ${c}: within 4× of the bare Subject+mergeMap at its best (steady feed, both)`,
      [at(steadyCaseId(c), OURS.name), at(steadyCaseId(c), subjectMergeMap.name)],
      (r) => r <= 4,
      'µs',
    ),
    figureTarget(
      1,
      `concurrency ${c}: per-job cost at a ${largest.toLocaleString('en-US')} burst within 2× of that at ${smallest.toLocaleString('en-US')}`,
      [at(burstCaseId(c, largest), OURS.name), at(burstCaseId(c, smallest), OURS.name)],
      (r) => r <= 2,
      'µs',
    ),
  ]);
}

/** Ours through a queue engine against the raw engine, in jobs per second: at least 0.9 of it. */
function queueEngineTarget(scenario: number, target: string, caseId: string, ours: string, raw: string): Target {
  const at = (variant: string): Point => ({ scenario, caseId, metric: JOBS_PER_SECOND.key, variant });
  return figureTarget(scenario, target, [at(ours), at(raw)], (r) => r >= 0.9, 'jobs/s');
}

/** Growth over the jobs after the checkpoint that counts as bounded: about 2 bytes a job over 900 000. */
const BOUNDED_GROWTH_MIB = 2;

export function buildTargets(profile: Profile): Target[] {
  const late = (profile.memory.completed - profile.memory.checkpoint).toLocaleString('en-US');
  return [
    ...throughputTargets(profile),
    figureTarget(
      2,
      'p99 start latency under 1 ms at light load',
      [{ scenario: 2, caseId: LATENCY_CASE_ID, metric: P99.key, variant: OURS.name }],
      (v) => v < 1000,
      'µs',
    ),
    figureTarget(
      3,
      '≤ 1 KB heap per queued job',
      [{ scenario: 3, caseId: QUEUED_CASE_ID, metric: BYTES_PER_QUEUED.key, variant: OURS.name }],
      (v) => v <= 1024,
      'bytes',
    ),
    ...[OURS, OURS_NO_RETENTION].map((kind) =>
      figureTarget(
        3,
        `bounded heap (${kind.name}): < ${BOUNDED_GROWTH_MIB} MiB growth over the last ${late} completed jobs`,
        [{ scenario: 3, caseId: RETAINED_CASE_ID, metric: GROWTH_LATE.key, variant: kind.name }],
        (v) => v < BOUNDED_GROWTH_MIB,
        'MiB',
      ),
    ),
    figureTarget(
      4,
      `Redis coalescing: fewer than 100 commands per ${profile.redis.updates.toLocaleString('en-US')} updates from one job`,
      [{ scenario: 4, caseId: REDIS_CASE_ID, metric: WHOLE_JOB_COUNT, variant: trackedJobName('awaited') }],
      (v) => v < 100,
      'commands',
    ),
    figureTarget(
      5,
      'per-job transaction within 1.3× of a plain QueryRunner loop',
      [
        { scenario: 5, caseId: INSERT_CASE_ID, metric: PER_INSERT_JOB.key, variant: OURS_WITH_DATA_SOURCE },
        { scenario: 5, caseId: INSERT_CASE_ID, metric: PER_INSERT_JOB.key, variant: PLAIN_QUERY_RUNNER },
      ],
      (r) => r <= 1.3,
      'µs',
    ),
    figureTarget(
      5,
      'a job that never touches the database takes no connection',
      [{ scenario: 5, caseId: IDLE_CASE_ID, metric: CONNECTIONS_TAKEN.key, variant: OURS_WITH_DATA_SOURCE }],
      (v) => v === 0,
      'connections',
    ),
    queueEngineTarget(6, 'BullMQ mode: at least 0.9 of raw BullMQ jobs per second', BULLMQ_CASE_ID, OURS_BULLMQ, RAW_BULLMQ),
    queueEngineTarget(
      7,
      'pg-boss mode: at least 0.9 of raw pg-boss jobs per second (same pg-boss settings)',
      PG_BOSS_CASE_ID,
      OURS_PG_BOSS,
      RAW_PG_BOSS,
    ),
    ...(['awaited', 'awaited, yielding after each'] as const).map((loop) =>
      figureTarget(
        8,
        `PostgreSQL tracker coalescing: fewer than 100 statements per ${profile.postgresTracker.updates.toLocaleString('en-US')} updates from one job (setProgress ${loop})`,
        [{ scenario: 8, caseId: POSTGRES_TRACKER_CASE_ID, metric: WHOLE_JOB_COUNT, variant: trackedJobName(loop) }],
        (v) => v < 100,
        'statements',
      ),
    ),
    figureTarget(
      9,
      "startIn: enqueueing inside the caller's transaction within 1.25× of pg-boss's own send({ db }) in it",
      [
        { scenario: 9, caseId: START_IN_CASE_ID, metric: PER_TRANSACTION.key, variant: OURS_START_IN },
        { scenario: 9, caseId: START_IN_CASE_ID, metric: PER_TRANSACTION.key, variant: RAW_SEND_IN },
      ],
      (r) => r <= 1.25,
      'µs',
    ),
  ];
}
