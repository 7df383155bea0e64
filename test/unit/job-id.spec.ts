import { isJobId } from 'nestjs-asyncjob';
import { describe, expect, it } from 'vitest';
import { newSecret, numberedId } from '../../lib/bullmq/queue-job-id.js';
import { newJobId } from '../../lib/utils/job-id.js';

describe('isJobId', () => {
  it('accepts the ids the module makes, local and BullMQ-numbered', () => {
    for (let i = 0; i < 100; i++) {
      expect(isJobId(newJobId())).toBe(true);
      expect(isJobId(numberedId(String(i * 977), newSecret()))).toBe(true);
    }
  });

  it.each([
    ['a bare UUID', '6f1c2a4e-8b5d-4c3a-9e7f-1a2b3c4d5e6f'],
    ['an upper-case UUID', 'asyncjob_6F1C2A4E-8B5D-4C3A-9E7F-1A2B3C4D5E6F'],
    ['a numbered id with a short secret', 'asyncjob_12_abc'],
    ['a numbered id without its number', `asyncjob__${'a'.repeat(22)}`],
    ['a path', 'asyncjob_../../etc/passwd'],
    ['a number', 42],
    ['nothing', undefined],
  ])('refuses %s', (_label, value) => {
    expect(isJobId(value)).toBe(false);
  });
});
