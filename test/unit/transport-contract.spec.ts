import { describe, expect, expectTypeOf, it } from 'vitest';
import { BullMqTransport } from '../../lib/bullmq/index.js';
import { isJobTransport, type JobTransport } from '../../lib/transport/job-transport.interface.js';

describe('the transport contract', () => {
  it('BullMqTransport implements it (checked by the type checker), and the module recognises it', () => {
    expectTypeOf<BullMqTransport>().toExtend<JobTransport>();
    expect(isJobTransport(new BullMqTransport({ connection: { host: '127.0.0.1', lazyConnect: true } }))).toBe(true);
  });

  it('is not met by a look-alike with only the public member', () => {
    expect(isJobTransport({ runsJobs: true })).toBe(false);
    expect(isJobTransport(null)).toBe(false);
  });
});
