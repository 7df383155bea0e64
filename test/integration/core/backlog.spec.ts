import { Subject, mergeMap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { jobAppForTest } from '../../helpers/job-app.js';

/**
 * Counts the work `Array.prototype.shift` does: each call moves every
 * remaining element, so the sum of lengths is the cost. A backlog kept in a
 * shifted array (as mergeMap's buffer is) makes a burst of N jobs cost about
 * N²/2; ours must stay linear.
 */
async function shiftWork(run: () => Promise<void>): Promise<{ calls: number; elementsMoved: number }> {
  const original = Array.prototype.shift;
  let calls = 0;
  let elementsMoved = 0;
  Array.prototype.shift = function countingShift<T>(this: T[]): T | undefined {
    calls++;
    elementsMoved += this.length;
    return original.call(this) as T | undefined;
  };
  try {
    await run();
  } finally {
    Array.prototype.shift = original;
  }
  return { calls, elementsMoved };
}

const BURST = 50_000;

describe('the backlog costs O(1) per job', () => {
  it('a bare Subject + mergeMap burst does quadratic shift work (the counter can see it)', async () => {
    const work = await shiftWork(
      () =>
        new Promise<void>((resolve) => {
          const input = new Subject<number>();
          let done = 0;
          input.pipe(mergeMap(async (n) => n, 8)).subscribe(() => ++done === BURST && resolve());
          for (let i = 0; i < BURST; i++) input.next(i);
        }),
    );
    expect(work.elementsMoved).toBeGreaterThan((BURST * BURST) / 4);
  });

  it(`a burst of ${BURST} jobs through perform moves a bounded number of elements per job`, async () => {
    const app = await jobAppForTest({ concurrency: 8, retention: 0 });
    const { jobs } = app;
    const work = await shiftWork(async () => {
      const accepted: Promise<string>[] = [];
      for (let i = 0; i < BURST; i++) accepted.push(jobs.perform(() => i));
      await Promise.all(accepted);
      await jobs.drain();
    });
    // Linear: at most a few elements moved per job, whatever the burst size.
    expect(work.elementsMoved).toBeLessThan(BURST * 4);
  });
});
