import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AsyncJob, AsyncJobModule, AsyncJobService, type AsyncJobTransport } from '../../lib/index.js';
import { microsSince } from '../harness/scenario.js';

/**
 * The same work for every variant of the queue-engine cases (BullMQ,
 * pg-boss): a trivial job that counts its completions, so the figure is the
 * queueing machinery's.
 */
let completed = 0;
let target = 0;
let allDone: (() => void) | undefined;

export function countedWork(i: number): number {
  if (++completed === target) allDone?.();
  return i;
}

/** Resolves once `count` more jobs have run `countedWork`. */
export function expectCompletions(count: number): Promise<void> {
  completed = 0;
  target = count;
  return new Promise((resolve) => (allDone = resolve));
}

@Injectable()
class BenchJobs {
  // `: number` lets the method run without AsyncLocalStorage, as a user's synchronous job would.
  @AsyncJob('bench.work')
  run(i: number): number {
    return countedWork(i);
  }
}

/** A queue engine opened for a case, ours or raw: it runs `jobs` counted jobs at a time. */
export interface EngineSession {
  /** Microseconds from the first add of `jobs` to the last completion. */
  run(jobs: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Boots the module with `transport` (and the tracker it defaults to), as a
 * user's app that is its own worker would; `run` calls `start()` once per job,
 * all in one `Promise.all`.
 */
export async function openTransportedJobs(transport: AsyncJobTransport): Promise<EngineSession> {
  const moduleRef = await Test.createTestingModule({
    imports: [AsyncJobModule.forRoot({ transport })],
    providers: [BenchJobs],
  }).compile();
  await moduleRef.init();
  const service = moduleRef.get(AsyncJobService);
  return {
    run: async (jobs) => {
      const done = expectCompletions(jobs);
      const start = process.hrtime.bigint();
      const adds: Array<Promise<string>> = [];
      for (let i = 0; i < jobs; i++) adds.push(service.start(BenchJobs, 'run', i));
      await Promise.all(adds);
      await done;
      return microsSince(start);
    },
    close: () => moduleRef.close(),
  };
}
