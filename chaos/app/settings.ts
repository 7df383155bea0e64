/** What the driver tells one chaos process (in its CHAOS_SETTINGS environment variable, as JSON). */
export interface ChaosSettings {
  /** The engine's file name in chaos/engines/ (without `.js`). */
  readonly engine: string;
  /** `enqueuer`: only starts jobs (`worker: false`); `worker`: runs them (and, in process, starts them too). */
  readonly role: 'worker' | 'enqueuer';
  /** This process's name in the runs and effects tables, e.g. `w2.3` (worker 2, its third start). */
  readonly name: string;
  /** The private PostgreSQL's database: the effects and runs tables, and the PostgreSQL engines' queues. */
  readonly postgresUrl: string;
  /** The private redis-server's port (0 when no engine of the run needs it). */
  readonly redisPort: number;
  /** A name for this engine's queue, prefix or schema. */
  readonly namespace: string;
  /** How many jobs one worker process runs at once. */
  readonly concurrency: number;
  readonly runsTable: string;
  readonly effectsTable: string;
}

const VARIABLE = 'CHAOS_SETTINGS';

export function settingsEnv(settings: ChaosSettings): Record<string, string> {
  return { [VARIABLE]: JSON.stringify(settings) };
}

export function readSettings(): ChaosSettings {
  const text = process.env[VARIABLE];
  if (!text) throw new Error(`${VARIABLE} is not set: chaos processes are started by chaos/main.js (npm run chaos)`);
  return JSON.parse(text) as ChaosSettings;
}
