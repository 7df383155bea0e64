import type { ProfileName } from './types.js';

/** Every size the suite uses, so `full` and `smoke` differ only here. */
export interface Profile {
  readonly name: ProfileName;
  /**
   * `variant`: a fresh process for every measured run, variants alternating
   * process by process (the full run). `scenario`: one process per scenario,
   * the variants of each case alternating inside it (quicker: the smoke run).
   */
  readonly isolation: 'variant' | 'scenario';
  /** Rounds for cases of up to 100 000 jobs, and for the larger ones. */
  readonly rounds: { readonly normal: number; readonly large: number };
  readonly throughput: {
    readonly concurrencies: readonly number[];
    readonly chunk: number;
    readonly steadyTotal: number;
    readonly bursts: readonly number[];
    /**
     * From this burst size on, a baseline whose backlog is quadratic is timed
     * over its first `quadraticSample` jobs only (a full run would take minutes).
     */
    readonly quadraticFrom: number;
    readonly quadraticSample: number;
    /**
     * Jobs each measured run is preceded by, untimed, fed the case's way: enough
     * for V8 to optimise every variant's path (after a single 10 000 burst,
     * p-queue's own per-job cost still falls two- to threefold).
     */
    readonly warmup: number;
    /** A burst also measured with no warm-up, in a fresh process (full run only: the smoke run shares processes). */
    readonly coldBurst?: number;
  };
  readonly latency: { readonly samples: number; readonly gapMs: number };
  readonly memory: { readonly queued: number; readonly checkpoint: number; readonly completed: number };
  readonly redis: { readonly updates: number };
  readonly typeorm: { readonly jobs: number; readonly idleJobs: number };
  /** More rounds than the others: two processes and a redis-server share the machine's cores, so single runs scatter more. */
  readonly bullmq: { readonly jobs: number; readonly rounds: number };
  /**
   * Jobs of a measured pg-boss run and of the untimed one before it. pg-boss
   * lets each worker fetch once per polling interval, so a run lasts
   * jobs × interval ÷ concurrency seconds (see the scenario): a few hundred
   * jobs, not BullMQ's ten thousands.
   */
  readonly pgBoss: { readonly jobs: number; readonly warmup: number };
  readonly startIn: { readonly transactions: number; readonly warmup: number };
  /** `setProgress` calls of the one job of the PostgreSQL tracker case. */
  readonly postgresTracker: { readonly updates: number };
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  full: {
    name: 'full',
    isolation: 'variant',
    rounds: { normal: 5, large: 3 },
    throughput: {
      concurrencies: [1, 8],
      chunk: 1_000,
      steadyTotal: 100_000,
      bursts: [10_000, 100_000, 1_000_000],
      quadraticFrom: 200_000,
      quadraticSample: 2_000,
      warmup: 50_000,
      coldBurst: 10_000,
    },
    latency: { samples: 1_000, gapMs: 1 },
    memory: { queued: 100_000, checkpoint: 100_000, completed: 1_000_000 },
    redis: { updates: 10_000 },
    typeorm: { jobs: 2_000, idleJobs: 20_000 },
    bullmq: { jobs: 10_000, rounds: 9 },
    pgBoss: { jobs: 1000, warmup: 100 },
    startIn: { transactions: 1000, warmup: 100 },
    postgresTracker: { updates: 10_000 },
  },
  smoke: {
    name: 'smoke',
    isolation: 'scenario',
    rounds: { normal: 1, large: 1 },
    throughput: {
      concurrencies: [1, 8],
      chunk: 1_000,
      steadyTotal: 4_000,
      bursts: [1_000, 4_000, 16_000],
      quadraticFrom: 16_000,
      quadraticSample: 500,
      warmup: 1_000,
    },
    latency: { samples: 100, gapMs: 1 },
    memory: { queued: 5_000, checkpoint: 12_000, completed: 24_000 },
    redis: { updates: 10_000 },
    typeorm: { jobs: 100, idleJobs: 1_000 },
    bullmq: { jobs: 1_000, rounds: 1 },
    pgBoss: { jobs: 16, warmup: 8 },
    startIn: { transactions: 20, warmup: 5 },
    postgresTracker: { updates: 10_000 },
  },
};

export function isProfileName(value: string): value is ProfileName {
  return Object.hasOwn(PROFILES, value);
}
