import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobStatus, JobStatusStore, ProgressTracker } from 'nestjs-asyncjob';
import { createJobApp, until, type JobApp } from '../helpers/job-app.js';

type FullTracker = ProgressTracker & JobStatusStore;

/** A tracker under test, and how to read what it wrote. */
export interface TrackerUnderTest {
  readonly tracker: FullTracker;
  /**
   * Where the suite reads: another instance on the same store for a shared
   * store (so reads really go through it), the tracker itself otherwise.
   */
  readonly reader: FullTracker;
  /** Makes writes the tracker may still buffer visible to `reader`. */
  settle(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * JSON-safe progress data, and what every tracker must hand back for it:
 * what `JSON.parse(JSON.stringify(data))` gives, so trackers agree on every
 * corner of JSON.
 */
const SAMPLES: ReadonlyArray<readonly [string, unknown]> = [
  ['null', null],
  ['undefined (becomes null)', undefined],
  ['zero', 0],
  ['negative zero (becomes 0)', -0],
  ['a fraction', 42.125],
  ['the largest safe integer', Number.MAX_SAFE_INTEGER],
  ['true', true],
  ['false', false],
  ['an empty string', ''],
  ['accented text, as the original tested', 'àèìòù'],
  ['emoji, control characters and line separators', '🚀 tab\t nl\n nul\u0000 ls\u2028 ps\u2029 "quoted" \\slash'],
  ['a lone surrogate', 'x\ud800y'],
  ['an empty object', {}],
  ['an empty array', []],
  ['nested objects and arrays', { step: 'transcode', done: [1, 2, 3], nested: { deeper: { deepest: [{ a: null }] } } }],
  ['undefined properties (dropped) and array holes (null)', { kept: 1, dropped: undefined, list: [1, undefined, 3] }],
  ['numeric keys (become strings)', { 1: 'one', 2: 'two' }],
  ['a Date (becomes its ISO string)', new Date(Date.UTC(2024, 1, 29, 12, 0, 0))],
  ['an object with toJSON', { toJSON: () => ({ replaced: true }) }],
  ['a long string', 'x'.repeat(100_000)],
  ['a deep structure', Array.from({ length: 40 }).reduce<unknown>((inner) => ({ inner }), 'bottom')],
];

function jsonCopy(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null)) as unknown;
}

function newId(): string {
  return `asyncjob_${randomUUID()}`;
}

function status(id: string, overrides: Partial<JobStatus> = {}): JobStatus {
  return {
    id,
    name: 'contract',
    state: 'queued',
    progress: { value: -1, data: null },
    attempts: 0,
    enqueuedAt: 1_700_000_000_000,
    ...overrides,
  };
}

/**
 * The contract every tracker keeps, run against each of them: the same calls
 * give the same answers, down to how data round-trips.
 */
export function describeTrackerContract(name: string, create: () => Promise<TrackerUnderTest>): void {
  describe(`tracker contract: ${name}`, () => {
    let subject: TrackerUnderTest;
    let tracker: FullTracker;
    let reader: FullTracker;
    const apps: JobApp[] = [];

    beforeEach(async () => {
      subject = await create();
      ({ tracker, reader } = subject);
    });
    afterEach(async () => {
      for (const app of apps.splice(0)) await app.close();
      await subject.dispose();
    });

    it('answers (-1, null) for a tracked job and null for an unknown one', async () => {
      const id = newId();
      await tracker.track(id);
      expect(await reader.getProgress(id)).toStrictEqual({ value: -1, data: null });
      expect(await reader.getProgress(newId())).toBeNull();
      expect(await reader.getStatus(newId())).toBeNull();
    });

    it.each(SAMPLES)('round-trips progress data: %s', async (_, data) => {
      const id = newId();
      await tracker.track(id);
      await tracker.setProgress(id, 7, data);
      await subject.settle();
      expect(await reader.getProgress(id)).toStrictEqual({ value: 7, data: jsonCopy(data) });
    });

    it('keeps the latest of many updates', async () => {
      const id = newId();
      await tracker.track(id);
      for (let value = 0; value <= 1000; value++) await tracker.setProgress(id, value, { value });
      await subject.settle();
      expect(await reader.getProgress(id)).toStrictEqual({ value: 1000, data: { value: 1000 } });
    });

    it('keeps jobs apart', async () => {
      const first = newId();
      const second = newId();
      await tracker.track(first);
      await tracker.track(second);
      await tracker.setProgress(first, 1, 'first');
      await subject.settle();
      expect(await reader.getProgress(first)).toStrictEqual({ value: 1, data: 'first' });
      expect(await reader.getProgress(second)).toStrictEqual({ value: -1, data: null });
    });

    it('hands out copies: changing the data given or received changes nothing stored', async () => {
      const id = newId();
      const data = { list: [1, 2], label: 'before' };
      await tracker.track(id);
      await tracker.setProgress(id, 1, data);
      data.list.push(3);
      data.label = 'after';
      await subject.settle();
      const read = (await reader.getProgress(id)) as { value: number; data: { list: number[]; label: string } };
      read.data.list.push(99);
      expect(await reader.getProgress(id)).toStrictEqual({ value: 1, data: { list: [1, 2], label: 'before' } });
      expect(await tracker.getProgress(id)).toStrictEqual({ value: 1, data: { list: [1, 2], label: 'before' } });
    });

    it('answers null once the job is removed; removing an unknown job is harmless', async () => {
      const id = newId();
      await tracker.track(id);
      await tracker.setProgress(id, 5, 'half');
      await tracker.remove(id);
      await subject.settle();
      expect(await reader.getProgress(id)).toBeNull();
      expect(await tracker.getProgress(id)).toBeNull();
      await expect(Promise.resolve(tracker.remove(newId()))).resolves.toBeUndefined();
    });

    it('starts again from (-1, null) when a job is tracked again (a retry)', async () => {
      const id = newId();
      await tracker.track(id);
      await tracker.setProgress(id, 9, 'first attempt');
      await tracker.setProgress(id, -1, null);
      await subject.settle();
      expect(await reader.getProgress(id)).toStrictEqual({ value: -1, data: null });
    });

    it('round-trips a status exactly: active, then final with its result, error and timestamps', async () => {
      const id = newId();
      const queued = status(id);
      await tracker.saveStatus(queued);
      expect(await reader.getStatus(id)).toStrictEqual(queued);

      const running = status(id, {
        state: 'running',
        attempts: 1,
        startedAt: 1_700_000_000_500,
        progress: { value: 3, data: { note: 'àèìòù' } },
      });
      await tracker.saveStatus(running);
      expect(await reader.getStatus(id)).toStrictEqual(running);

      const completed = status(id, {
        state: 'completed',
        attempts: 1,
        startedAt: 1_700_000_000_500,
        finishedAt: 1_700_000_001_000,
        progress: { value: 10, data: [1, { two: 2 }] },
        result: { rows: [{ id: 1, name: 'é' }], total: 1 },
      });
      await tracker.saveStatus(completed, 60_000);
      expect(await reader.getStatus(id)).toStrictEqual(completed);

      const failedId = newId();
      const failed = status(failedId, {
        state: 'failed',
        attempts: 3,
        finishedAt: 1_700_000_002_000,
        error: { name: 'TypeError', message: 'boom 💥' },
      });
      await tracker.saveStatus(failed, 60_000);
      expect(await reader.getStatus(failedId)).toStrictEqual(failed);
    });

    it('hands out status copies', async () => {
      const id = newId();
      await tracker.saveStatus(status(id, { state: 'completed', result: { list: [1] } }), 60_000);
      const read = (await reader.getStatus(id)) as { result: { list: number[] } };
      read.result.list.push(2);
      expect((await reader.getStatus(id))?.result).toStrictEqual({ list: [1] });
    });

    it('forgets a final status with no retention at once, and one with a short retention after it', async () => {
      const gone = newId();
      await tracker.saveStatus(status(gone));
      await tracker.saveStatus(status(gone, { state: 'completed' }), 0);
      expect(await reader.getStatus(gone)).toBeNull();

      const brief = newId();
      await tracker.saveStatus(status(brief, { state: 'completed' }), 150);
      await until(async () => (await reader.getStatus(brief)) === null, 'a status retained 150 ms is forgotten');
    });

    it('gives a job run through AsyncJobService the same progress, status and result', async () => {
      const app = await createJobApp({ tracker });
      apps.push(app);
      const data = { step: 'import', items: [1, 2, 3], note: 'àèìòù', when: new Date(Date.UTC(2024, 0, 1)) };
      let seen: unknown;
      const id = await app.jobs.perform(async () => {
        await app.jobs.setProgress(5, data);
        await subject.settle();
        seen = await reader.getProgress(app.jobs.currentJobId()!);
        return { imported: 3, items: data.items };
      });
      const final = await app.jobs.waitFor(id);
      expect(seen).toStrictEqual({ value: 5, data: jsonCopy(data) });
      expect(final).toMatchObject({
        id,
        state: 'completed',
        attempts: 1,
        progress: { value: 5, data: jsonCopy(data) },
        result: { imported: 3, items: [1, 2, 3] },
      });
      expect(await reader.getStatus(id)).toStrictEqual(final);
      expect(await reader.getProgress(id)).toBeNull();
    });
  });
}
