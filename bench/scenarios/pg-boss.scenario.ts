import { PgBoss, type WorkOptions } from 'pg-boss';
import type { Variant } from '../harness/alternate.js';
import type { Profile } from '../harness/profile.js';
import { defineCase, microsSince, type BenchCase, type Scenario } from '../harness/scenario.js';
import { Stopwatch } from '../harness/stopwatch.js';
import type { Figures, MetricSpec } from '../harness/types.js';
import { countedWork, expectCompletions, openTransportedJobs, type EngineSession } from '../queues/transported-jobs.js';
import { OURS } from '../queues/variants.js';
import { POSTGRES_URL } from '../services/postgres.js';
import { PrivateSchemas } from '../services/private-schemas.js';
import { StatementCounter } from '../services/statement-counter.js';
import { JOBS_PER_SECOND } from './bullmq.scenario.js';
import { CPU_PER_JOB } from './throughput.scenario.js';
import { PgBossTransport, type PgBossTransportOptions } from '../../lib/pg-boss/index.js';
import { resolvePgBossOptions } from '../../lib/pg-boss/pg-boss-options.js';

export const PG_BOSS_CASE_ID = 'pg-boss-jobs';
export const PG_BOSS_CONCURRENCY = 8;
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
  return { connection: POSTGRES_URL, schema, queueName: QUEUE, concurrency: PG_BOSS_CONCURRENCY };
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
 * Raw pg-boss driven as the transport drives it (lib/pg-boss/pg-boss-transport.ts),
 * as a pg-boss user would write it for the same behaviour: pg-boss's own
 * pool with LISTEN/NOTIFY on, the queue created with the same options
 * (`whenReady`: notify, heartbeat, retries, expiry, retention), one worker per
 * slot that wakes itself after each job (`startWorkers`: otherwise pg-boss
 * waits out the polling interval after every fetch), and one `send` per job,
 * all in one `Promise.all`; the handler is the same counted work, and nothing
 * else is written per job.
 */
const raw: BossVariant = {
  name: RAW_PG_BOSS,
  role: 'baseline',
  open: async (schema) => {
    const settings = resolvePgBossOptions(transportOptions(schema));
    const boss = new PgBoss({
      connectionString: POSTGRES_URL,
      application_name: 'bench-raw-pg-boss',
      schema: settings.schema,
      useListenNotify: true,
      superviseIntervalSeconds: Math.min(60, settings.heartbeat),
    });
    boss.on('error', (error: Error) => console.error(`raw pg-boss: ${error.message}`));
    await boss.start();
    await boss.createQueue(QUEUE, {
      retryLimit: 0,
      expireInSeconds: settings.expireInSeconds,
      deleteAfterSeconds: settings.retention,
      heartbeatSeconds: settings.heartbeat,
      notify: true,
    });
    const options = {
      batchSize: 1,
      includeMetadata: true,
      pollingIntervalSeconds: settings.pollingInterval,
      notifyPollingIntervalSeconds: settings.pollingInterval,
    } as const satisfies WorkOptions;
    for (let slot = 0; slot < PG_BOSS_CONCURRENCY; slot++) {
      let workerId: string | undefined;
      workerId = await boss.work<{ i: number }, number, typeof options>(QUEUE, options, async ([job]) => {
        const result = countedWork(job!.data.i);
        if (workerId !== undefined) boss.notifyWorker(workerId);
        return result;
      });
    }
    const retryLimit = settings.maxStalledCount;
    return {
      run: async (jobs) => {
        const done = expectCompletions(jobs);
        const start = process.hrtime.bigint();
        const sends: Array<Promise<unknown>> = [];
        for (let i = 0; i < jobs; i++) sends.push(boss.send(QUEUE, { i }, { retryLimit }));
        await Promise.all(sends);
        await done;
        return microsSince(start);
      },
      close: () => boss.stop({ graceful: true, timeout: 1000 }),
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
    title: `${jobs.toLocaleString('en-US')} trivial jobs through pg-boss, concurrency ${PG_BOSS_CONCURRENCY}, one process (PostgreSQL on loopback, a schema of its own)`,
    rounds: profile.rounds.normal,
    metrics: [JOBS_PER_SECOND, STATEMENTS_PER_JOB, CPU_PER_JOB],
    variants: [ours, raw],
    notes: [
      `Both sides drive pg-boss the transport's way, with its default settings: LISTEN/NOTIFY on and the queue's notify, ${PG_BOSS_CONCURRENCY} workers of batchSize 1 each waking itself after a job (pg-boss otherwise waits out the polling interval after every fetch, which capped a worker at one job per interval), heartbeat, retries, expiry and retention as the transport sets them. The statements and CPU time per job show what ours does beyond raw pg-boss.`,
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
