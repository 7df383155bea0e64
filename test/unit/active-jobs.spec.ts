import { describe, expect, it } from 'vitest';
import { ActiveJobs, type ActiveJob } from '../../lib/worker/active-jobs.js';

function job(id: string): ActiveJob {
  return { id };
}

/**
 * The set of jobs a process holds: counted at once, indexed by id only when
 * looked up. Its pending list is compacted in place and reused, so these
 * check that nothing is lost or kept on the way.
 */
describe('ActiveJobs', () => {
  it('finds every job still active after many have left out of order (the pending list compacted)', () => {
    const jobs = new ActiveJobs<ActiveJob>();
    const all = Array.from({ length: 500 }, (_, i) => job(`j${i}`));
    for (const each of all) {
      jobs.add(each);
      // Leaves in another order than it came: every third job stays.
      const leaving = all[all.indexOf(each) - 2];
      if (leaving && Number(leaving.id.slice(1)) % 3 !== 0) jobs.delete(leaving);
    }
    const staying = all.filter((_each, i) => i % 3 === 0 || i >= all.length - 2);
    expect(jobs.size).toBe(staying.length);
    expect(jobs.values().map((each) => each.id)).toStrictEqual(staying.map((each) => each.id));
    for (const each of all) expect(jobs.has(each.id)).toBe(staying.includes(each));
  });

  it('counts a job that ran at once and left, and keeps no trace of it', () => {
    const jobs = new ActiveJobs<ActiveJob>();
    const waiting = job('waiting');
    jobs.add(waiting);
    for (let i = 0; i < 1000; i++) {
      const quick = job(`quick${i}`);
      jobs.add(quick);
      expect(jobs.size).toBe(2);
      jobs.delete(quick);
    }
    expect(jobs.size).toBe(1);
    expect(jobs.values()).toStrictEqual([waiting]);
    expect(jobs.get('quick999')).toBeUndefined();
  });

  it('deletes an indexed job from the index, and a job twice only once', () => {
    const jobs = new ActiveJobs<ActiveJob>();
    const first = job('a');
    const second = job('b');
    jobs.add(first);
    jobs.add(second);
    expect(jobs.get('a')).toBe(first);
    jobs.delete(first);
    jobs.delete(first);
    expect(jobs.size).toBe(1);
    expect(jobs.get('a')).toBeUndefined();
    expect(jobs.get('b')).toBe(second);
    jobs.delete(second);
    expect(jobs.size).toBe(0);
    expect(jobs.values()).toStrictEqual([]);
  });
});
