import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { AsyncJobModule, AsyncJobService } from '../lib/index.js';

describe('smoke', () => {
  it('runs a job', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AsyncJobModule.forRoot({})] }).compile();
    await moduleRef.init();
    const jobs = moduleRef.get(AsyncJobService);
    const id = await jobs.perform(async (x: number) => {
      await jobs.setProgress(1, { x });
      return x * 2;
    }, 21);
    expect(id).toMatch(/^asyncjob_[0-9a-f-]{36}$/);
    const status = await jobs.waitFor(id);
    expect(status.state).toBe('completed');
    expect(status.result).toBe(42);
    expect(await jobs.getProgress(id)).toBeNull();
    await moduleRef.close();
  });
});
