import { redact, type SampleConfig } from '../config/sample-config.js';

/** What both entry points log at start-up: where the rows, the jobs and their progress live. */
export function describeSetup(config: SampleConfig): string {
  const database = config.database.type === 'sqlite' ? `SQLite ${config.database.path}` : `PostgreSQL ${redact(config.database.url)}`;
  if (config.jobs.engine === 'pg-boss') {
    return `Database: ${database}; jobs: pg-boss (schema ${config.jobs.schema}); progress tracker: PostgreSQL`;
  }
  const tracker = config.redisUrl ? `Redis ${redact(config.redisUrl)}` : 'in memory';
  return `Database: ${database}; progress tracker: ${tracker}`;
}

/** Runs an entry point's start-up: a failure prints its stack and makes the process exit with an error. */
export function run(bootstrap: () => Promise<void>): void {
  bootstrap().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
