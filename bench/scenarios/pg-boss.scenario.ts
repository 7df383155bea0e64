import { PgBoss, type WorkOptions } from 'pg-boss';
import type { Variant } from '../harness/alternate.js';
import type { Profile } from '../harness/profile.js';
import { defineCase, microsSince, type BenchCase, type Scenario } from '../harness/scenario.js';
import { Stopwatch } from '../harness/stopwatch.js';
import type { Figures, MetricSpec } from '../harness/types.js';
import { countedWork, expectCompletions, openTransportedJobs, type EngineSession } from '../queues/transported-jobs.js';
import { OURS } from '../queues/variants.js';
import { pg } from '../services/pg-driver.js';
import { POSTGRES_URL } from '../services/postgres.js';
import { PrivateSchemas } from '../services/private-schemas.js';
import { StatementCounter } from '../services/statement-counter.js';
import { JOBS_PER_SECOND } from './bullmq.scenario.js';
import { CPU_PER_JOB } from './throughput.scenario.js';
import { PgBossTransport, type PgBossTransportOptions } from '../../lib/pg-boss/index.js';
import { resolvePgBossOptions } from '../../lib/pg-boss/pg-boss-options.js';

export const PG_BOSS_CASE_ID = 'pg-boss-jobs';
export const PG_BOSS_CONCURRENCY = 8;
/**
 * Seconds between a worker's fetches, for both sides: the transport's
 * smallest (its default is 2). pg-boss paces each worker to one fetch per
 * interval, so this sets how long a run takes (see the case's notes).
 */
const POLLING_INTERVAL = 0.5;
const QUEUE = 'asyncjob';
export const OURS_PG_BOSS = `${OURS.name}, pg-boss transport (start per job)`;
export const RAW_PG_BOSS = 'raw pg-boss (send + work)';

export const STATEMENTS_PER_JOB: MetricSpec = {
  key: 'statements',
  label: 'statements sent to PostgreSQL per job, whole run',
  unit: 'statements',
  better: 'lower',
};

interface BossVariant extends Variant {
  /** Opens the engine on pg-boss schema `schema`; `alsoDrop` is told of any further schema it creates. */
  open(schema: string, alsoDrop: (schema: string) => void): Promise<EngineSession>;
}

/** Our transport's options; raw pg-boss reads the settings they resolve to, by the transport's own code. */
function transportOptions(schema: string): PgBossTransportOptions {
  return { connection: POSTGRES_URL, schema, queueName: QUEUE, concurrency: PG_BOSS_CONCURRENCY, pollingInterval: POLLING_INTERVAL };
}

const ours: BossVariant = {
  name: OURS_PG_BOSS,
  role: 'ours',
  open: (schema, alsoDrop) => {
    // The module's default tracker: a PostgresProgressTracker in "<schema>_progress", on a pool of its own.
    alsoDrop(`${schema}_progress`);
    return openTransportedJobs(new PgBossTransport(transportOptions(schema)));
  },
};

/**
 * Raw pg-boss as the transport drives it (lib/pg-boss/pg-boss-transport.ts):
 * on a pool of its own through pg-boss's `db` option (BossDatabase), the
 * queue created with the same options (`whenReady`), workers with the same
 * options (`startWorkers`), and one `send` per job, all in one
 * `Promise.all`; the handler is the same counted work, and nothing else is
 * written per job.
 */
const raw: BossVariant = {
  name: RAW_PG_BOSS,
  role: 'baseline',
  open: async (schema) => {
    const settings = resolvePgBossOptions(transportOptions(schema));
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, application_name: 'bench-raw-pg-boss' });
    const boss = new PgBoss({ db: { executeSql: (text, values) => pool.query(text, values) }, schema: settings.schema });
    boss.on('error', (error: Error) => console.error(`raw pg-boss: ${error.message}`));
    await boss.start();
    await boss.createQueue(QUEUE, { retryLimit: 0, expireInSeconds: settings.expireInSeconds, deleteAfterSeconds: settings.retention });
    const options = {
      batchSize: 1,
      localConcurrency: PG_BOSS_CONCURRENCY,
      includeMetadata: true,
      pollingIntervalSeconds: settings.pollingInterval,
    } as const satisfies WorkOptions;
    await boss.work<{ i: number }, number, typeof options>(QUEUE, options, async ([job]) => countedWork(job!.data.i));
    return {
      run: async (jobs) => {
        const done = expectCompletions(jobs);
        const start = process.hrtime.bigint();
        const sends: Array<Promise<unknown>> = [];
        for (let i = 0; i < jobs; i++) sends.push(boss.send(QUEUE, { i }, { retryLimit: 0 }));
        await Promise.all(sends);
        await done;
        return microsSince(start);
      },
      close: async () => {
        await boss.stop({ graceful: true, timeout: 1000, close: false });
        await pool.end();
      },
    };
  },
};

/**
 * A pg-boss schema of its own for this run (and the tracker's beside it),
 * an untimed run first (pg-boss creates its tables and the queue, V8 warms
 * up), then `jobs` timed, with the statements sent and the CPU time spent
 * meanwhile.
 */
async function measure(variant: BossVariant, jobs: number, warmup: number): Promise<Figures> {
  const schemas = await PrivateSchemas.open('the pg-boss scenario');
  const counter = StatementCounter.install();
  try {
    const session = await variant.open(schemas.name(`boss_${variant.role}`), (name) => schemas.alsoDrop(name));
    try {
      await session.run(warmup);
      counter.reset();
      const stopwatch = new Stopwatch();
      const micros = await session.run(jobs);
      const { cpu } = stopwatch.lap();
      return { perSecond: jobs / (micros / 1e6), statements: counter.read() / jobs, cpuPerJob: cpu / jobs };
    } finally {
      await session.close();
    }
  } finally {
    await schemas.dropAll();
  }
}

function bossCase(profile: Profile): BenchCase {
  const { jobs, warmup } = profile.pgBoss;
  return defineCase<BossVariant>({
    id: PG_BOSS_CASE_ID,
    title: `${jobs.toLocaleString('en-US')} trivial jobs through pg-boss, concurrency ${PG_BOSS_CONCURRENCY}, polling every ${POLLING_INTERVAL} s, one process (PostgreSQL on loopback, a schema of its own)`,
    rounds: profile.rounds.normal,
    metrics: [JOBS_PER_SECOND, STATEMENTS_PER_JOB, CPU_PER_JOB],
    variants: [ours, raw],
    notes: [
      `Both sides run the transport's pg-boss settings: batchSize 1, localConcurrency ${PG_BOSS_CONCURRENCY}, includeMetadata, pollingIntervalSeconds ${POLLING_INTERVAL}; queue retryLimit 0, expireInSeconds and deleteAfterSeconds from the transport's defaults. pg-boss waits out the polling interval after every fetch, jobs or not, so each worker takes at most one job per interval: jobs per second are capped at concurrency ÷ interval (${PG_BOSS_CONCURRENCY / POLLING_INTERVAL}/s here) on both sides, whatever a job costs below that. The statements and CPU time per job show what ours does beyond raw pg-boss.`,
      "Ours: start() per job, all in one Promise.all, with the module's default tracker (a PostgresProgressTracker in a schema beside pg-boss's). Raw: boss.send per job, all in one Promise.all; no status tracking.",
      "Statements are counted at node-postgres (Client.prototype.query), every connection of the process: pg-boss's own, the transport's, the tracker's; background work (pg-boss's maintenance, the tracker's renewals) that falls in the timed run counts too.",
    ],
    measure: (variant) => measure(variant, jobs, warmup),
  });
}

export const pgBossScenario: Scenario = {
  number: 7,
  title: 'Distributed mode on PostgreSQL: jobs per second through pg-boss, ours against raw pg-boss',
  cases: (profile) => [bossCase(profile)],
};
