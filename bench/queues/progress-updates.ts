import type { Variant } from '../harness/alternate.js';
import { microsSince } from '../harness/scenario.js';
import type { Figures, MetricSpec } from '../harness/types.js';
import type { ProgressTracker } from '../../lib/index.js';
import { AsyncJobQueue } from './async-job.queue.js';
import { OURS } from './variants.js';

/**
 * The tracker cases (Redis, PostgreSQL): one job calling `setProgress` in a
 * tight loop, against the store's plain client writing every update, with
 * the store's commands counted.
 */
export const PER_UPDATE_ACCEPTED: MetricSpec = {
  key: 'accepted',
  label: 'per update, until the call returns',
  unit: 'µs',
  better: 'lower',
};
export const UPDATES_PER_SECOND: MetricSpec = { key: 'perSecond', label: 'updates accepted per second', unit: '/s', better: 'higher' };
export const PER_UPDATE_WRITTEN: MetricSpec = { key: 'written', label: 'per update, until all are written', unit: 'µs', better: 'lower' };

/** Microseconds until every update call returned, and until every update was in the store. */
export interface UpdateTimes {
  readonly accepted: number;
  readonly written: number;
}

export interface UpdateSession {
  send(updates: number): Promise<UpdateTimes>;
  close(): Promise<void>;
}

/** The store's count of what the bench sent it: commands, or statements. */
export interface WriteCount {
  reset(): Promise<void> | void;
  read(): Promise<number> | number;
}

/** The progress written by update `i`, the same for every variant. */
export function updatePayload(i: number): string {
  return JSON.stringify([i, { done: i }]);
}

export function trackedJobName(awaited: boolean): string {
  return `${OURS.name}, setProgress ${awaited ? 'awaited' : 'not awaited'}`;
}

/** Something that writes a job's progress `updates` times: the tracker, or the store's plain client; opened on `store`. */
export interface UpdateSink<Store> extends Variant {
  open(store: Store): Promise<UpdateSession>;
}

/** One job calling `setProgress` in a tight loop, through `tracker`; written once the job is finished. */
export function trackedJob<Store>(tracker: (store: Store) => ProgressTracker, awaited: boolean): UpdateSink<Store> {
  return {
    name: trackedJobName(awaited),
    role: 'ours',
    open: async (store) => {
      const queue = await AsyncJobQueue.open({ tracker: tracker(store) });
      const jobs = queue.service;
      return {
        send: async (updates) => {
          let accepted = 0;
          const start = process.hrtime.bigint();
          const id = await jobs.perform(async () => {
            const loop = process.hrtime.bigint();
            for (let i = 0; i < updates; i++) {
              const update = jobs.setProgress(i, { done: i });
              if (awaited) await update;
            }
            accepted = microsSince(loop);
          });
          await jobs.waitFor(id);
          return { accepted, written: microsSince(start) };
        },
        close: () => queue.close(),
      };
    },
  };
}

/**
 * A warm-up of 1 000 updates, a job with none (its own commands: tracking,
 * statuses), then `updates` timed; the store's count of each, from `count`.
 */
export async function measureUpdates(session: UpdateSession, updates: number, count: WriteCount): Promise<Figures> {
  await session.send(Math.min(updates, 1_000));
  await count.reset();
  await session.send(0);
  const bareCommands = await count.read();
  await count.reset();
  const times = await session.send(updates);
  const commands = await count.read();
  return {
    accepted: times.accepted / updates,
    perSecond: updates / (times.accepted / 1e6),
    written: times.written / updates,
    commands,
    bareCommands,
  };
}
