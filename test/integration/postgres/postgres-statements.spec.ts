import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresPool } from 'nestjs-asyncjob/postgres';
import { PostgresProgressTracker } from 'nestjs-asyncjob/postgres';
import { createJobApp } from '../../helpers/job-app.js';
import { PG_URL, dropSchema, pg, requirePostgres, uniqueSchema, type TestPool } from './postgres-support.js';

/** A real pool that records every statement the tracker sends through it. */
function countingPool(pool: TestPool, statements: string[]): PostgresPool & { readonly options: unknown } {
  return {
    query: (text, values) => {
      statements.push(text);
      return pool.query(text, values);
    },
    on: (event, listener) => pool.on(event, listener),
    removeListener: (event, listener) => pool.removeListener(event, listener),
    end: () => pool.end(),
    options: (pool as unknown as { options: unknown }).options,
  };
}

/**
 * What 10 000 `setProgress` calls cost in statements, counted at the pool
 * the tracker sends every statement through (its listener sends only LISTEN,
 * on a connection of its own).
 */
describe('PostgresProgressTracker: statements per 10 000 progress updates', () => {
  let admin: TestPool;
  const schemas: string[] = [];

  beforeAll(async () => {
    admin = await requirePostgres();
  });
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(admin, schema);
    await admin?.end();
  });

  it.each([
    ['a tight loop of awaited calls', false],
    ['a loop yielding to the event loop after every call', true],
  ])('%s: a handful of UPDATEs, bounded by the flush interval', async (_, yieldEachTime) => {
    const flushInterval = 100;
    const schema = uniqueSchema('statements');
    schemas.push(schema);
    const statements: string[] = [];
    const real = new pg.Pool({ connectionString: PG_URL, max: 4 });
    const tracker = new PostgresProgressTracker({ pool: countingPool(real, statements), closePool: true, schema, flushInterval });
    const app = await createJobApp({ tracker, paused: true });
    let loopMs = 0;
    try {
      const id = await app.jobs.perform(async () => {
        const started = performance.now();
        for (let value = 1; value <= 10_000; value++) {
          await app.jobs.setProgress(value, { value, of: 10_000 });
          if (yieldEachTime) await nextTurn();
        }
        loopMs = performance.now() - started;
      });
      statements.length = 0;
      app.jobs.resume();
      const final = await app.jobs.waitFor(id);
      expect(final.progress).toStrictEqual({ value: 10_000, data: { value: 10_000, of: 10_000 } });
      const writes = statements.filter((text) => text.startsWith('WITH w AS')).length;
      console.log(
        `[postgres-statements] ${yieldEachTime ? 'yielding' : 'tight'} loop: 10 000 updates in ${loopMs.toFixed(0)} ms; ` +
          `statements for the whole job: ${statements.length} (${writes} writes)`,
      );
      // One write per interval at most, plus the first and the last, and the job's own status writes (running, final).
      const flushes = Math.ceil(loopMs / flushInterval) + 2;
      expect(writes).toBeLessThanOrEqual(flushes + 2);
      expect(statements.length).toBeLessThanOrEqual(writes + 2);
      expect(writes).toBeLessThan(100);
    } finally {
      await app.close();
    }
  });

  it('sends the writes of one tick as one statement: 200 jobs started together cost a round trip, not 200', async () => {
    const schema = uniqueSchema('burst');
    schemas.push(schema);
    const statements: string[] = [];
    const real = new pg.Pool({ connectionString: PG_URL, max: 4 });
    const tracker = new PostgresProgressTracker({ pool: countingPool(real, statements), closePool: true, schema });
    await tracker.getStatus('asyncjob_none');
    statements.length = 0;
    try {
      const ids = Array.from({ length: 200 }, (_, i) => `asyncjob_burst_${i}`);
      await Promise.all(ids.map((id) => tracker.track(id)));
      expect(statements.filter((text) => text.startsWith('WITH w AS'))).toHaveLength(1);
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".job_progress WHERE progress = '[-1,null]'`);
      expect(rows[0]!.n).toBe(200);
    } finally {
      await tracker.close();
    }
  });
});
