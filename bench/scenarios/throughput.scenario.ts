import type { Profile } from '../harness/profile.js';
import { defineCase, type BenchCase, type Scenario } from '../harness/scenario.js';
import { Stopwatch, timeSpan } from '../harness/stopwatch.js';
import type { Figures, MetricSpec } from '../harness/types.js';
import { NOOP_JOB, feed } from '../queues/feed.js';
import type { QueueKind } from '../queues/job-queue.js';
import { pQueue } from '../queues/p-queue.queue.js';
import { subjectMergeMap } from '../queues/subject-merge-map.queue.js';
import { OURS } from '../queues/variants.js';

export const PER_JOB: MetricSpec = { key: 'perJob', label: 'submit → finished, per job', unit: 'µs', better: 'lower' };
/** CPU time per job: less disturbed than wall time by other processes of a shared machine. */
export const CPU_PER_JOB: MetricSpec = { key: 'cpuPerJob', label: 'CPU time per job', unit: 'µs', better: 'lower' };

export function steadyCaseId(concurrency: number): string {
  return `c${concurrency}-steady`;
}

export function burstCaseId(concurrency: number, size: number): string {
  return `c${concurrency}-burst-${size}`;
}

export function coldBurstCaseId(concurrency: number, size: number): string {
  return `c${concurrency}-cold-burst-${size}`;
}

async function timeFeed(kind: QueueKind, concurrency: number, total: number, chunk: number): Promise<Figures> {
  const queue = await kind.open(concurrency);
  const span = await timeSpan(() => feed(queue, NOOP_JOB, total, chunk));
  await queue.close();
  return { perJob: span.wall / total, cpuPerJob: span.cpu / total };
}

/**
 * A burst whose full run would take minutes (a backlog shifted like an array
 * costs O(backlog) per job): all `total` jobs are pushed, the first `sample`
 * are timed at the full backlog, then the queue is dropped. As the per-job
 * cost falls linearly while the backlog drains, the whole burst would cost
 * about push + half the sampled rate per job.
 */
async function timeSampledBurst(kind: QueueKind, concurrency: number, total: number, sample: number): Promise<Figures> {
  const queue = await kind.open(concurrency);
  let ran = 0;
  let reached!: () => void;
  const sampled = new Promise<void>((resolve) => (reached = resolve));
  const job = (): void => {
    if (++ran === sample) reached();
  };
  const stopwatch = new Stopwatch();
  for (let i = 0; i < total; i++) queue.submit(job);
  const push = stopwatch.lap();
  await sampled;
  const drain = stopwatch.lap();
  await queue.close();
  return { perJob: push.wall / total + drain.wall / sample / 2, cpuPerJob: push.cpu / total + drain.cpu / sample / 2 };
}

/**
 * Untimed runs of `jobs` jobs in all, fed the way the case feeds them (bursts
 * of the case's size, or its chunks), on an instance of their own.
 */
async function warmUp(kind: QueueKind, concurrency: number, shape: FeedShape, jobs: number): Promise<void> {
  const queue = await kind.open(concurrency);
  const run = Math.min(shape.total, jobs);
  for (let done = 0; done < jobs; done += run) await feed(queue, NOOP_JOB, run, Math.min(run, shape.chunk));
  await queue.close();
}

interface FeedShape {
  readonly id: string;
  readonly title: string;
  readonly total: number;
  readonly chunk: number;
  /** Measured in a fresh process with no warm-up: how the first jobs of an app fare, JIT cold. */
  readonly cold?: boolean;
}

function throughputCase(profile: Profile, concurrency: number, shape: FeedShape): BenchCase {
  const { quadraticFrom, quadraticSample, warmup } = profile.throughput;
  const isBurst = shape.chunk === shape.total;
  const sampled = isBurst && shape.total >= quadraticFrom;
  const rxjs: QueueKind = sampled ? { ...subjectMergeMap, note: 'estimated, see note' } : subjectMergeMap;
  return defineCase<QueueKind>({
    id: shape.id,
    title: `concurrency ${concurrency}, ${shape.title}`,
    rounds: shape.total > 100_000 ? profile.rounds.large : profile.rounds.normal,
    metrics: [PER_JOB, CPU_PER_JOB],
    notes: shape.cold
      ? [
          'No warm-up: each run is the first burst of a fresh process, so V8 has optimised nothing yet (the other cases measure after a warm-up).',
        ]
      : sampled
        ? [
            `The bare Subject+mergeMap shifts its backlog like an array, O(backlog) a job: a full burst takes minutes. Its figure is estimated: ` +
              `all jobs pushed, the first ${quadraticSample.toLocaleString('en-US')} timed at the full backlog, per-job cost = push + ½ × that rate ` +
              `(the shift cost falls linearly as the backlog drains).`,
          ]
        : [],
    variants: [OURS, pQueue, rxjs],
    ...(shape.cold ? {} : { warmup: (kind: QueueKind) => warmUp(kind, concurrency, shape, warmup) }),
    measure: (kind) =>
      kind === rxjs && sampled
        ? timeSampledBurst(kind, concurrency, shape.total, quadraticSample)
        : timeFeed(kind, concurrency, shape.total, shape.chunk),
  });
}

export const throughputScenario: Scenario = {
  number: 1,
  title: 'Throughput, in-process: trivial jobs from submit to finished',
  cases: (profile) => {
    const { chunk, steadyTotal, bursts, coldBurst, concurrencies } = profile.throughput;
    const count = (n: number): string => n.toLocaleString('en-US');
    return concurrencies.flatMap((concurrency) =>
      [
        {
          id: steadyCaseId(concurrency),
          title: `steady feed, ${count(steadyTotal)} jobs in chunks of ${count(chunk)}`,
          total: steadyTotal,
          chunk,
        },
        ...bursts.map((size) => ({ id: burstCaseId(concurrency, size), title: `one burst of ${count(size)}`, total: size, chunk: size })),
        ...(coldBurst === undefined
          ? []
          : [
              {
                id: coldBurstCaseId(concurrency, coldBurst),
                title: `one burst of ${count(coldBurst)}, cold (first jobs of a fresh process)`,
                total: coldBurst,
                chunk: coldBurst,
                cold: true,
              },
            ]),
      ].map((shape) => throughputCase(profile, concurrency, shape)),
    );
  },
};
