import { Queue, Worker } from 'bullmq';
import type { Variant } from '../harness/alternate.js';
import type { Profile } from '../harness/profile.js';
import { defineCase, microsSince, type BenchCase, type Scenario } from '../harness/scenario.js';
import type { Figures, MetricSpec } from '../harness/types.js';
import type { AsyncJobTransport } from '../../lib/index.js';
import { countedWork, expectCompletions, openTransportedJobs, type EngineSession } from '../queues/transported-jobs.js';
import { OURS } from '../queues/variants.js';
import { PrivateRedis } from '../services/redis-server.js';
import { BullMqTransport } from '../../lib/bullmq/index.js';

export const BULLMQ_CASE_ID = 'bullmq-jobs';
export const BULLMQ_CONCURRENCY = 8;
export const JOBS_PER_SECOND: MetricSpec = {
  key: 'perSecond',
  label: 'jobs per second, first add to last completion',
  unit: '/s',
  better: 'higher',
};
export const OURS_BULLMQ = `${OURS.name}, BullMQ transport (start per job)`;
export const RAW_BULLMQ = 'raw BullMQ (Queue.addBulk + Worker)';

interface BullVariant extends Variant {
  open(port: number, queueName: string): Promise<EngineSession>;
}

type TransportClass = new (options: Record<string, unknown>) => unknown;

function ours(Transport: TransportClass): BullVariant {
  return {
    name: OURS_BULLMQ,
    role: 'ours',
    open: (port, queueName) =>
      openTransportedJobs(
        new Transport({ connection: { host: '127.0.0.1', port }, queueName, concurrency: BULLMQ_CONCURRENCY }) as AsyncJobTransport,
      ),
  };
}

/** Raw BullMQ: the queue and worker any app could write, numbering its jobs. */
function raw(name: string): BullVariant {
  return {
    name,
    role: 'baseline',
    open: async (port, queueName) => {
      const connection = { host: '127.0.0.1', port };
      const queue = new Queue(queueName, { connection, defaultJobOptions: { removeOnComplete: { age: 3600, count: 1000 } } });
      const worker = new Worker(queueName, async (job) => countedWork((job.data as { i: number }).i), {
        connection,
        concurrency: BULLMQ_CONCURRENCY,
      });
      await worker.waitUntilReady();
      return {
        run: async (jobs) => {
          const done = expectCompletions(jobs);
          const start = process.hrtime.bigint();
          const batch = Array.from({ length: jobs }, (_, i) => ({ name: 'bench.work', data: { i } }));
          for (let from = 0; from < jobs; from += 1000) await queue.addBulk(batch.slice(from, from + 1000));
          await done;
          return microsSince(start);
        },
        close: async () => {
          await worker.close();
          await queue.close();
        },
      };
    },
  };
}

async function measure(variant: BullVariant, jobs: number): Promise<Figures> {
  const redis = await PrivateRedis.start();
  try {
    const session = await variant.open(redis.port, `bench-${variant.role}`);
    // A warm-up as large as the measured run: after 1 000 jobs neither side's hot path is optimised yet.
    await session.run(jobs);
    const micros = await session.run(jobs);
    await session.close();
    return { perSecond: jobs / (micros / 1e6) };
  } finally {
    await redis.stop();
  }
}

function bullCase(profile: Profile): BenchCase {
  const { jobs, rounds } = profile.bullmq;
  return defineCase<BullVariant>({
    id: BULLMQ_CASE_ID,
    title: `${jobs.toLocaleString('en-US')} trivial jobs through BullMQ, concurrency ${BULLMQ_CONCURRENCY}, one process (a private redis-server on loopback)`,
    rounds,
    metrics: [JOBS_PER_SECOND],
    variants: [ours(BullMqTransport as unknown as TransportClass), raw(RAW_BULLMQ)],
    notes: [
      "Ours: start() per job, all in one Promise.all (JSON check; the adds of a tick go out in Queue.addBulk chunks of 250, one after the other); BullMQ numbers each job, whose id is that number and a secret kept in its data; BullMQ's job hash is each job's record (a completed job writes no status of ours), the module's job context and bookkeeping on the worker side. The method declares `: number`, so it runs without AsyncLocalStorage; one returning a promise would keep the store's promise hooks on while it runs (about 8 µs a job more here).",
      'Raw: Queue.addBulk in chunks of 1 000 and a Worker with the same processor and concurrency; no status tracking.',
    ],
    measure: (variant) => measure(variant, jobs),
  });
}

export const bullmqScenario: Scenario = {
  number: 6,
  title: 'Distributed mode: jobs per second through BullMQ, ours against raw BullMQ',
  cases: (profile) => [bullCase(profile)],
};
