import { liveHeap } from '../harness/heap.js';
import type { Profile } from '../harness/profile.js';
import { defineCase, type BenchCase, type Scenario } from '../harness/scenario.js';
import type { Figures, MetricSpec } from '../harness/types.js';
import { asyncJob } from '../queues/async-job.queue.js';
import { NOOP_JOB, feed } from '../queues/feed.js';
import type { QueueKind } from '../queues/job-queue.js';
import { pQueue } from '../queues/p-queue.queue.js';
import { subjectMergeMap } from '../queues/subject-merge-map.queue.js';
import { OURS } from '../queues/variants.js';

const MIB = 1024 * 1024;
const CHUNK = 1_000;

export const QUEUED_CASE_ID = 'queued';
export const RETAINED_CASE_ID = 'completed';
export const OURS_NO_RETENTION = asyncJob('nestjs-asyncjob, retention 0', { retention: 0 });

export const BYTES_PER_QUEUED: MetricSpec = { key: 'bytesPerJob', label: 'heap per queued job', unit: 'bytes', better: 'lower' };
export const HEAP_BEFORE: MetricSpec = { key: 'before', label: 'heap before', unit: 'MiB', better: 'lower', compare: false };
export const HEAP_AFTER: MetricSpec = { key: 'after', label: 'heap after all jobs', unit: 'MiB', better: 'lower', compare: false };
export const GROWTH_EARLY: MetricSpec = {
  key: 'growthEarly',
  label: 'growth over the first jobs',
  unit: 'MiB',
  better: 'lower',
  compare: false,
};
export const GROWTH_LATE: MetricSpec = { key: 'growthLate', label: 'growth over the rest', unit: 'MiB', better: 'lower', compare: false };

/** Heap per job waiting behind a job that holds the only slot (measured after full GCs). */
async function queuedHeap(kind: QueueKind, count: number): Promise<Figures> {
  const queue = await kind.open(1);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  queue.submit(() => gate);
  const before = await liveHeap();
  for (let i = 0; i < count; i++) queue.submit(NOOP_JOB);
  const after = await liveHeap();
  release();
  await queue.idle();
  await queue.close();
  return { bytesPerJob: (after - before) / count };
}

/** Live heap before, at `checkpoint` and after `total` completed jobs, fed steadily. */
async function completedHeap(kind: QueueKind, checkpoint: number, total: number): Promise<Figures> {
  const queue = await kind.open(1);
  // One chunk first, so structures built on first use do not count as growth.
  await feed(queue, NOOP_JOB, CHUNK, CHUNK);
  const before = await liveHeap();
  await feed(queue, NOOP_JOB, checkpoint, CHUNK);
  const middle = await liveHeap();
  await feed(queue, NOOP_JOB, total - checkpoint, CHUNK);
  const after = await liveHeap();
  await queue.close();
  return { before: before / MIB, after: after / MIB, growthEarly: (middle - before) / MIB, growthLate: (after - middle) / MIB };
}

function queuedCase(profile: Profile): BenchCase {
  const { queued } = profile.memory;
  return defineCase<QueueKind>({
    id: QUEUED_CASE_ID,
    title: `${queued.toLocaleString('en-US')} jobs queued, not yet started (concurrency 1, the slot held)`,
    rounds: profile.rounds.large,
    metrics: [BYTES_PER_QUEUED],
    variants: [OURS, pQueue, subjectMergeMap],
    warmup: (kind) => queuedHeap(kind, Math.min(queued, 10_000)),
    measure: (kind) => queuedHeap(kind, queued),
  });
}

function completedCase(profile: Profile): BenchCase {
  const { checkpoint, completed } = profile.memory;
  const count = (n: number): string => n.toLocaleString('en-US');
  return defineCase<QueueKind>({
    id: RETAINED_CASE_ID,
    title: `${count(completed)} jobs completed, fed ${count(CHUNK)} at a time; growth over the first ${count(checkpoint)}, then over the rest`,
    rounds: profile.rounds.large,
    metrics: [HEAP_BEFORE, HEAP_AFTER, GROWTH_EARLY, GROWTH_LATE],
    variants: [OURS, OURS_NO_RETENTION, pQueue, subjectMergeMap],
    notes: ['Default retention: 1 hour, capped at maxRetained = 10 000 finished statuses.'],
    measure: (kind) => completedHeap(kind, checkpoint, completed),
  });
}

export const memoryScenario: Scenario = {
  number: 3,
  title: 'Memory: heap per queued job, heap after many completed jobs',
  cases: (profile) => [queuedCase(profile), completedCase(profile)],
};
