import { setImmediate as nextTurn } from 'node:timers/promises';
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

/** The metric key of the store's count for the whole job, which the targets read. */
export const WHOLE_JOB_COUNT = 'commands';

/** Every metric of a tracker case: the times above, and the store's count (`store` its name, `unit` commands or statements). */
export function updateMetrics(store: string, unit: string): readonly MetricSpec[] {
  return [
    PER_UPDATE_ACCEPTED,
    UPDATES_PER_SECOND,
    PER_UPDATE_WRITTEN,
    { key: WHOLE_JOB_COUNT, label: `${store} ${unit}, whole job`, unit, better: 'lower' },
    { key: 'bareCommands', label: `${store} ${unit} of a job with no update (included above)`, unit, better: 'lower', compare: false },
  ];
}

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

/**
 * How the job's loop calls `setProgress`: awaiting each call or not (a tight
 * loop: no timer runs until the job ends), or awaiting each and then
 * yielding to the event loop, as a job doing real I/O between updates would,
 * so that the tracker's flush timer fires while the loop runs.
 */
export type UpdateLoop = 'awaited' | 'not awaited' | 'awaited, yielding after each';

export function trackedJobName(loop: UpdateLoop): string {
  return `${OURS.name}, setProgress ${loop}`;
}

/** Something that writes a job's progress `updates` times: the tracker, or the store's plain client; opened on `store`. */
export interface UpdateSink<Store> extends Variant {
  open(store: Store): Promise<UpdateSession>;
}

/** One job calling `setProgress` `updates` times in a loop, through `tracker`; written once the job is finished. */
export function trackedJob<Store>(tracker: (store: Store) => ProgressTracker, loop: UpdateLoop): UpdateSink<Store> {
  const awaited = loop !== 'not awaited';
  const yielding = loop === 'awaited, yielding after each';
  return {
    name: trackedJobName(loop),
    role: 'ours',
    open: async (store) => {
      const queue = await AsyncJobQueue.open({ tracker: tracker(store) });
      const jobs = queue.service;
      return {
        send: async (updates) => {
          let accepted = 0;
          const start = process.hrtime.bigint();
          const id = await jobs.perform(async () => {
            const started = process.hrtime.bigint();
            for (let i = 0; i < updates; i++) {
              const update = jobs.setProgress(i, { done: i });
              if (awaited) await update;
              if (yielding) await nextTurn();
            }
            accepted = microsSince(started);
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
