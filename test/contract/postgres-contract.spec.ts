import { afterAll, beforeAll } from 'vitest';
import { PostgresProgressTracker } from 'nestjs-asyncjob/postgres';
import { describeTrackerContract } from './tracker-suite.js';
import { PG_URL, dropSchema, requirePostgres, uniqueSchema, type TestPool } from '../integration/postgres/postgres-support.js';

let admin: TestPool;
beforeAll(async () => {
  admin = await requirePostgres();
});
afterAll(() => admin?.end());

// The suite writes through one tracker and reads through another on the same table, as a second process would;
// each test has a schema of its own, so test files can run in parallel.
describeTrackerContract('PostgresProgressTracker', async () => {
  const schema = uniqueSchema('contract');
  const tracker = new PostgresProgressTracker({ connectionString: PG_URL, schema });
  // The reader, like a process started from a migrated database, must not look for the table before the writer has made it.
  await tracker.getStatus('asyncjob_none');
  const reader = new PostgresProgressTracker({ connectionString: PG_URL, schema, createTable: false });
  return {
    tracker,
    reader,
    settle: () => tracker.flush(),
    dispose: async () => {
      await Promise.all([tracker.close(), reader.close()]);
      await dropSchema(admin, schema);
    },
  };
});
