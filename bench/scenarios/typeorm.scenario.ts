import type { DataSource, EntityManager } from 'typeorm';
import { AsyncJobService, type AsyncJobModuleOptions } from '../../lib/index.js';
import type { Variant } from '../harness/alternate.js';
import type { Profile } from '../harness/profile.js';
import { defineCase, type BenchCase, type Scenario } from '../harness/scenario.js';
import { timeSpan, type Span } from '../harness/stopwatch.js';
import type { Figures, MetricSpec } from '../harness/types.js';
import { AsyncJobQueue } from '../queues/async-job.queue.js';
import { NOOP_JOB, feed } from '../queues/feed.js';
import { OURS } from '../queues/variants.js';
import { CPU_PER_JOB } from './throughput.scenario.js';
import { BenchDatabase } from '../services/postgres.js';

export const INSERT_CASE_ID = 'insert-job';
export const IDLE_CASE_ID = 'no-database-job';
export const OURS_WITH_DATA_SOURCE = `${OURS.name}, DataSource configured`;
export const PLAIN_QUERY_RUNNER = 'plain loop, own QueryRunner per job';
const OURS_WITHOUT_DATA_SOURCE = `${OURS.name}, no DataSource`;

export const PER_INSERT_JOB: MetricSpec = { key: 'perJob', label: 'insert in its own transaction, per job', unit: 'µs', better: 'lower' };
export const JOBS_PER_SECOND: MetricSpec = { key: 'perSecond', label: 'jobs per second', unit: '/s', better: 'higher' };
export const PER_IDLE_JOB: MetricSpec = { key: 'perJob', label: 'trivial job, per job', unit: 'µs', better: 'lower' };
export const CONNECTIONS_TAKEN: MetricSpec = {
  key: 'connections',
  label: 'pool connections checked out by the jobs',
  unit: 'connections',
  better: 'lower',
  compare: false,
};

/** How the library gives a job its transaction: found at run time (see findPerJobTransaction). */
interface PerJobTransaction {
  moduleOptions(dataSource: DataSource): AsyncJobModuleOptions;
  manager(jobs: AsyncJobService): Promise<EntityManager>;
}

/**
 * The per-job transaction API of issue 3, if the library has it: a
 * `dataSource` module option, and the job's EntityManager from
 * `jobs.entityManager()` or `jobs.manager`.
 */
function findPerJobTransaction(): PerJobTransaction | undefined {
  const prototype = AsyncJobService.prototype as unknown as Record<string, unknown>;
  const hasMethod = typeof prototype['entityManager'] === 'function';
  const hasGetter = typeof Object.getOwnPropertyDescriptor(AsyncJobService.prototype, 'manager')?.get === 'function';
  if (!hasMethod && !hasGetter) return undefined;
  return {
    moduleOptions: (dataSource) => {
      const options: AsyncJobModuleOptions & Readonly<Record<string, unknown>> = { dataSource };
      return options;
    },
    manager: async (jobs) => {
      const access = jobs as unknown as { entityManager?: () => Promise<EntityManager>; manager?: EntityManager };
      return hasMethod ? access.entityManager!() : access.manager!;
    },
  };
}

function perJobFigures(span: Span, count: number): Figures {
  return { perJob: span.wall / count, cpuPerJob: span.cpu / count, perSecond: count / (span.wall / 1e6) };
}

/** A contender that runs `count` jobs against the bench database and reports its figures. */
interface JobLoop extends Variant {
  run(db: BenchDatabase, count: number): Promise<Figures>;
}

/** Each job inserts one row in a transaction of its own, the library handing it the transaction. */
function oursInserting(transaction: PerJobTransaction): JobLoop {
  return {
    name: OURS_WITH_DATA_SOURCE,
    role: 'ours',
    run: async (db, count) => {
      const queue = await AsyncJobQueue.open({ ...transaction.moduleOptions(db.dataSource), concurrency: 1 });
      const jobs = queue.service;
      const span = await timeSpan(async () => {
        for (let i = 0; i < count; i++) {
          queue.submit(async () => {
            const manager = await transaction.manager(jobs);
            await manager.query(db.insert, [i, 'bench']);
          });
        }
        await queue.idle();
      });
      await queue.close();
      return perJobFigures(span, count);
    },
  };
}

/** The same work by hand: a QueryRunner per job, connect, begin, insert, commit, release. */
const plainQueryRunnerLoop: JobLoop = {
  name: PLAIN_QUERY_RUNNER,
  role: 'baseline',
  run: async (db, count) =>
    perJobFigures(
      await timeSpan(async () => {
        for (let i = 0; i < count; i++) {
          const runner = db.dataSource.createQueryRunner();
          await runner.connect();
          await runner.startTransaction();
          try {
            await runner.query(db.insert, [i, 'bench']);
            await runner.commitTransaction();
          } catch (error) {
            await runner.rollbackTransaction();
            throw error;
          } finally {
            await runner.release();
          }
        }
      }),
      count,
    ),
};

/** Trivial jobs, fed steadily, counting the connections they take from the pool. */
function trivialJobs(name: string, role: Variant['role'], options: (db: BenchDatabase) => AsyncJobModuleOptions): JobLoop {
  return {
    name,
    role,
    run: async (db, count) => {
      const queue = await AsyncJobQueue.open({ ...options(db), concurrency: 1 });
      let span: Span | undefined;
      const connections = await db.countCheckouts(async () => {
        span = await timeSpan(() => feed(queue, NOOP_JOB, count, 1_000));
      });
      await queue.close();
      return { ...perJobFigures(span!, count), connections };
    },
  };
}

/**
 * In the child: opens the database, warms `loop` up, measures it, checks
 * that every insert it made was committed, and drops the table.
 */
async function measureOnDatabase(loop: JobLoop, count: number, inserts: boolean): Promise<Figures> {
  const db = await BenchDatabase.open();
  try {
    const warmup = Math.min(count, 100);
    await loop.run(db, warmup);
    const rowsBefore = await db.rowCount();
    const figures = await loop.run(db, count);
    const inserted = (await db.rowCount()) - rowsBefore;
    if (inserted !== (inserts ? count : 0))
      throw new Error(`${loop.name}: ${count} jobs left ${inserted} rows, expected ${inserts ? count : 0}`);
    return figures;
  } finally {
    await db.close();
  }
}

const NOT_PRESENT = 'feature not present (no per-job TypeORM transaction in AsyncJobService)';

function insertCase(profile: Profile, transaction: PerJobTransaction | undefined): BenchCase {
  const { jobs } = profile.typeorm;
  return defineCase<JobLoop>({
    id: INSERT_CASE_ID,
    title: `${jobs.toLocaleString('en-US')} jobs inserting one row each in their own transaction, concurrency 1`,
    rounds: profile.rounds.normal,
    metrics: [PER_INSERT_JOB, CPU_PER_JOB, JOBS_PER_SECOND],
    variants: [...(transaction ? [oursInserting(transaction)] : []), plainQueryRunnerLoop],
    unavailable: () => (transaction ? undefined : NOT_PRESENT),
    measure: (loop) => measureOnDatabase(loop, jobs, true),
  });
}

function idleCase(profile: Profile, transaction: PerJobTransaction | undefined): BenchCase {
  const { idleJobs } = profile.typeorm;
  return defineCase<JobLoop>({
    id: IDLE_CASE_ID,
    title: `${idleJobs.toLocaleString('en-US')} jobs that never touch the database, concurrency 1`,
    rounds: profile.rounds.normal,
    metrics: [PER_IDLE_JOB, CPU_PER_JOB, CONNECTIONS_TAKEN],
    variants: [
      ...(transaction ? [trivialJobs(OURS_WITH_DATA_SOURCE, 'ours', (db) => transaction.moduleOptions(db.dataSource))] : []),
      trivialJobs(OURS_WITHOUT_DATA_SOURCE, 'baseline', () => ({})),
    ],
    unavailable: () => (transaction ? undefined : NOT_PRESENT),
    measure: (loop) => measureOnDatabase(loop, idleJobs, false),
  });
}

export const typeormScenario: Scenario = {
  number: 5,
  title: 'TypeORM on PostgreSQL: a transaction per job',
  cases: (profile) => {
    const transaction = findPerJobTransaction();
    return [insertCase(profile, transaction), idleCase(profile, transaction)];
  },
};
