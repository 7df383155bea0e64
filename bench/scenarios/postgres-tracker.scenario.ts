import type { Profile } from '../harness/profile.js';
import { defineCase, microsSince, type BenchCase, type Scenario } from '../harness/scenario.js';
import type { Figures } from '../harness/types.js';
import { measureUpdates, trackedJob, updateMetrics, updatePayload, type UpdateSink } from '../queues/progress-updates.js';
import { pg } from '../services/pg-driver.js';
import { POSTGRES_URL } from '../services/postgres.js';
import { PrivateSchemas } from '../services/private-schemas.js';
import { StatementCounter } from '../services/statement-counter.js';
import { PostgresProgressTracker } from '../../lib/postgres/index.js';

export const POSTGRES_TRACKER_CASE_ID = 'postgres-progress-updates';

/** Raw node-postgres, the way a hand-rolled tracker writes: one `UPDATE` of the job's row per update, awaited one by one. */
const rawUpdates: UpdateSink<string> = {
  name: 'pg UPDATE per update, awaited one by one',
  role: 'baseline',
  open: async (schema) => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1, application_name: 'bench-raw-progress' });
    await pool.query(`CREATE SCHEMA ${schema}`);
    await pool.query(`CREATE TABLE ${schema}.job_progress (id text PRIMARY KEY, progress jsonb NOT NULL)`);
    await pool.query(`INSERT INTO ${schema}.job_progress (id, progress) VALUES ('bench', '[-1, null]')`);
    const update = `UPDATE ${schema}.job_progress SET progress = $2 WHERE id = $1`;
    return {
      send: async (updates) => {
        const start = process.hrtime.bigint();
        for (let i = 0; i < updates; i++) await pool.query(update, ['bench', updatePayload(i)]);
        const elapsed = microsSince(start);
        return { accepted: elapsed, written: elapsed };
      },
      close: () => pool.end(),
    };
  },
};

/** The PostgreSQL tracker with its defaults, in the schema of this run. */
const postgresTracker = (schema: string) => new PostgresProgressTracker({ connectionString: POSTGRES_URL, schema });

/** In a schema of its own, dropped after; statements counted at node-postgres (see StatementCounter). */
async function measureOnPostgres(sink: UpdateSink<string>, updates: number): Promise<Figures> {
  const schemas = await PrivateSchemas.open('the PostgreSQL tracker scenario');
  const counter = StatementCounter.install();
  try {
    const session = await sink.open(schemas.name(`progress_${sink.role}`));
    try {
      return await measureUpdates(session, updates, { reset: () => counter.reset(), read: () => counter.read() });
    } finally {
      await session.close();
    }
  } finally {
    await schemas.dropAll();
  }
}

function postgresCase(profile: Profile): BenchCase {
  const { updates } = profile.postgresTracker;
  return defineCase<UpdateSink<string>>({
    id: POSTGRES_TRACKER_CASE_ID,
    title: `one job, ${updates.toLocaleString('en-US')} progress updates in a loop, PostgresProgressTracker (PostgreSQL on loopback, a schema of its own)`,
    rounds: profile.rounds.normal,
    metrics: updateMetrics('PostgreSQL', 'statements'),
    variants: [
      trackedJob(postgresTracker, 'awaited'),
      trackedJob(postgresTracker, 'not awaited'),
      trackedJob(postgresTracker, 'awaited, yielding after each'),
      rawUpdates,
    ],
    notes: [
      "Ours: an in-process job (perform) with the tracker as the module's tracker, with its defaults (flushInterval 100 ms). In a tight loop no timer fires before the job ends, so the last progress goes out with the final status; the yielding loop awaits a setImmediate after each update (its times include those turns), so the tracker's flush timer fires while it runs, as in a job doing I/O between updates.",
      "Statements are counted at node-postgres (Client.prototype.query), on every connection of the process: the tracker's pool and its listening connection.",
    ],
    measure: (sink) => measureOnPostgres(sink, updates),
  });
}

export const postgresTrackerScenario: Scenario = {
  number: 8,
  title: 'PostgreSQL tracker: progress writes from one job',
  cases: (profile) => [postgresCase(profile)],
};
