import { setTimeout as sleep } from 'node:timers/promises';
import type { Profile } from '../harness/profile.js';
import { defineCase, type BenchCase, type Scenario } from '../harness/scenario.js';
import { percentile } from '../harness/stats.js';
import type { Figures, MetricSpec } from '../harness/types.js';
import type { QueueKind } from '../queues/job-queue.js';
import { pQueue } from '../queues/p-queue.queue.js';
import { subjectMergeMap } from '../queues/subject-merge-map.queue.js';
import { OURS } from '../queues/variants.js';

export const LATENCY_CASE_ID = 'light-load';
export const P50: MetricSpec = { key: 'p50', label: 'submit → job start, p50', unit: 'µs', better: 'lower' };
export const P99: MetricSpec = { key: 'p99', label: 'submit → job start, p99', unit: 'µs', better: 'lower' };

/**
 * Light load: one job at a time, the next submitted `gapMs` after the last
 * finished, so nothing ever waits in a backlog and the figure is the queue's
 * own path from the call to the first line of the job.
 */
async function startLatency(kind: QueueKind, samples: number, gapMs: number): Promise<Figures> {
  const queue = await kind.open(1);
  const latencies: number[] = [];
  let startedAt = 0n;
  const job = (): void => {
    startedAt = process.hrtime.bigint();
  };
  for (let i = 0; i < samples; i++) {
    const submittedAt = process.hrtime.bigint();
    queue.submit(job);
    await queue.idle();
    latencies.push(Number(startedAt - submittedAt) / 1000);
    await sleep(gapMs);
  }
  await queue.close();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function latencyCase(profile: Profile): BenchCase {
  const { samples, gapMs } = profile.latency;
  return defineCase<QueueKind>({
    id: LATENCY_CASE_ID,
    title: `light load: ${samples.toLocaleString('en-US')} jobs one at a time, ${gapMs} ms apart, concurrency 1`,
    rounds: profile.rounds.normal,
    metrics: [P50, P99],
    variants: [OURS, pQueue, subjectMergeMap],
    warmup: (kind) => startLatency(kind, Math.min(samples, 500), 0),
    measure: (kind) => startLatency(kind, samples, gapMs),
  });
}

export const latencyScenario: Scenario = {
  number: 2,
  title: 'Latency: submit to job start at light load',
  cases: (profile) => [latencyCase(profile)],
};
