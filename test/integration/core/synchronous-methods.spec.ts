import { Injectable } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { AsyncJob, AsyncJobService } from 'nestjs-asyncjob';
import { declaresSynchronousResult } from '../../../lib/utils/declared-synchronous.js';
import { jobAppForTest, until } from '../../helpers/job-app.js';

/** What a job saw of itself: while it ran, and from a continuation it made. */
interface Seen {
  during: string | undefined;
  progressDuring?: boolean;
  later?: string | null;
}
const seen = new Map<string, Seen>();
let release: (() => void) | undefined;

@Injectable()
class TypedJobs {
  constructor(private readonly jobs: AsyncJobService) {}

  @AsyncJob('typed.count')
  count(key: string): number {
    const id = this.jobs.currentJobId();
    const entry: Seen = { during: id };
    seen.set(key, entry);
    void this.jobs.setProgress(50, { key }).then(() => (entry.progressDuring = true));
    // Left behind: the job is over by the time this runs.
    void Promise.resolve().then(() => (entry.later = this.jobs.currentJobId() ?? null));
    return key.length;
  }

  @AsyncJob('typed.eventually')
  eventually(key: string): Promise<number> {
    const entry: Seen = { during: this.jobs.currentJobId() };
    seen.set(key, entry);
    return new Promise<void>((resolve) => setTimeout(resolve, 5)).then(() => {
      entry.later = this.jobs.currentJobId() ?? null;
      return key.length;
    });
  }

  @AsyncJob('typed.awaiting')
  async awaiting(key: string): Promise<number> {
    seen.set(key, { during: this.jobs.currentJobId() });
    await new Promise((resolve) => setTimeout(resolve, 5));
    seen.get(key)!.later = this.jobs.currentJobId() ?? null;
    return key.length;
  }

  /** Keeps AsyncLocalStorage in use until released. */
  @AsyncJob('typed.hold')
  async hold(): Promise<void> {
    await new Promise<void>((resolve) => (release = resolve));
  }

  @AsyncJob('typed.unannotated')
  unannotated(key: string) {
    return key.length;
  }
}

describe('job methods that declare a synchronous result', () => {
  afterEach(async () => {
    seen.clear();
    release = undefined;
  });

  it('are told apart by their declared return type, never by a guess', () => {
    const prototype = TypedJobs.prototype;
    expect(declaresSynchronousResult(prototype, 'count')).toBe(true);
    expect(declaresSynchronousResult(prototype, 'eventually')).toBe(false);
    expect(declaresSynchronousResult(prototype, 'awaiting')).toBe(false);
    expect(declaresSynchronousResult(prototype, 'unannotated')).toBe(false);
  });

  it('run in their context while they run: currentJobId and setProgress work, a continuation left behind finds no job', async () => {
    const app = await jobAppForTest({ concurrency: 2 }, { providers: [TypedJobs] });
    const { jobs } = app;
    // An async job running meanwhile keeps AsyncLocalStorage enabled: the synchronous one still does not use it.
    const holding = await jobs.start(TypedJobs, 'hold');
    await until(() => release !== undefined, 'the holding job runs');
    const id = await jobs.start(TypedJobs, 'count', 'abc');
    expect(await jobs.waitFor(id, { timeout: 5000 })).toMatchObject({
      state: 'completed',
      result: 3,
      progress: { value: 50, data: { key: 'abc' } },
    });
    await until(() => seen.get('abc')?.later !== undefined, 'the left-behind continuation ran');
    expect(seen.get('abc')).toStrictEqual({ during: id, progressDuring: true, later: null });
    release!();
    expect(await jobs.waitFor(holding, { timeout: 5000 })).toMatchObject({ state: 'completed' });
  });

  it('keep the AsyncLocalStorage context for a method that returns a promise, async or not', async () => {
    const app = await jobAppForTest({}, { providers: [TypedJobs] });
    const { jobs } = app;
    const eventually = await jobs.start(TypedJobs, 'eventually', 'four');
    const awaiting = await jobs.start(TypedJobs, 'awaiting', 'fives');
    expect(await jobs.waitFor(eventually, { timeout: 5000 })).toMatchObject({ state: 'completed', result: 4 });
    expect(await jobs.waitFor(awaiting, { timeout: 5000 })).toMatchObject({ state: 'completed', result: 5 });
    expect(seen.get('four')).toStrictEqual({ during: eventually, later: eventually });
    expect(seen.get('fives')).toStrictEqual({ during: awaiting, later: awaiting });
  });
});
