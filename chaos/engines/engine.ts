import type { DataSource } from 'typeorm';
import type { AsyncJobModuleOptions } from '../../lib/index.js';
import type { ChaosSettings } from '../app/settings.js';

/**
 * One engine of the chaos run: a file of its own in chaos/engines/, named as
 * in {@link ENGINES} (./registry.ts), exporting `engine`. The driver reads the
 * description; every chaos process of the engine calls `moduleOptions`.
 */
export interface ChaosEngine {
  /**
   * The service whose restart is this engine's store outage: its queue's
   * store. `none`: the queue is the worker's memory, which a kill already ends.
   */
  readonly store: 'none' | 'redis' | 'postgres';
  /**
   * Whether jobs are started by an enqueue-only process and run by any
   * worker (a shared queue). Without one, each worker starts the jobs it runs,
   * and they live and die with it.
   */
  readonly sharedQueue: boolean;
  /**
   * With a shared queue: how many jobs its store still holds unfinished
   * (waiting, delayed, running, or running in a dead worker and not yet
   * taken back), asked in the enqueuer. The run counts nothing before it is
   * 0: a job whose effect committed may still run again. Without one, a
   * job's life is its worker's, and its status says it all.
   */
  unfinished?(process: EngineProcess): Promise<number>;
  /**
   * What this engine adds to the module's options in one process (the
   * driver's process gives `dataSource`, `concurrency` and `shutdownTimeout`).
   */
  moduleOptions(process: EngineProcess): AsyncJobModuleOptions;
}

/** What an engine's `moduleOptions` is told of the process it builds. */
export interface EngineProcess {
  readonly settings: ChaosSettings;
  /** The jobs' DataSource (initialized), on the private PostgreSQL. */
  readonly dataSource: DataSource;
}
