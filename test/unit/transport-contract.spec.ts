import { describe, expect, expectTypeOf, it } from 'vitest';
import { BullMqTransport } from '../../lib/bullmq/index.js';
import { PgBossTransport } from '../../lib/pg-boss/index.js';
import { isJobTransport, type JobTransport } from '../../lib/transport/job-transport.interface.js';
import { LocalTransport } from '../../lib/transport/local-transport.js';

describe('the transport contract', () => {
  it('BullMqTransport implements it (checked by the type checker), and the module recognises it', () => {
    expectTypeOf<BullMqTransport>().toExtend<JobTransport>();
    expect(isJobTransport(new BullMqTransport({ connection: { host: '127.0.0.1', lazyConnect: true } }))).toBe(true);
  });

  it('PgBossTransport implements it, the module recognises it, and building one opens nothing', () => {
    expectTypeOf<PgBossTransport>().toExtend<JobTransport>();
    const transport = new PgBossTransport({ connection: 'postgres://127.0.0.1/none' });
    expect(isJobTransport(transport)).toBe(true);
    expect([...transport.startExtras].sort()).toEqual(['delay', 'jobId', 'priority']);
  });

  it("the module's own engine, LocalTransport, implements it too, and takes no start extras", () => {
    expectTypeOf<LocalTransport>().toExtend<JobTransport>();
    // Its collaborators are not needed to tell what it is.
    const local = new LocalTransport(
      ...([undefined, 0, undefined, undefined, undefined, undefined] as unknown as ConstructorParameters<typeof LocalTransport>),
    );
    expect(isJobTransport(local)).toBe(true);
    expect(local.startExtras.size).toBe(0);
    expect((local as JobTransport).feed).toBeUndefined();
  });

  it('is not met by a look-alike with only the public member', () => {
    expect(isJobTransport({ runsJobs: true })).toBe(false);
    expect(isJobTransport(null)).toBe(false);
  });
});
