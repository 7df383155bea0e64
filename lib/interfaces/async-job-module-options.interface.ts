import type { Type } from '@nestjs/common';
import type { ProgressTracker } from '../progress/progress-tracker.interface.js';
import type { AsyncJobTransport } from './async-job-transport.interface.js';
import type { JobOptions } from './job-options.interface.js';
import type { JobDataSource } from './typeorm-types.interface.js';

/**
 * Options of `AsyncJobModule.forRoot()` / `forRootAsync()`. Every option is
 * validated at bootstrap: a bad value fails start-up with an
 * `InvalidOptionError` naming the option and the value.
 *
 * @publicApi
 */
export interface AsyncJobModuleOptions {
  /** How many jobs run at once. Jobs start in FIFO order. @default 1 */
  readonly concurrency?: number;
  /**
   * Where progress (and, when the tracker supports it, status) is kept: a
   * tracker instance, or a class the module instantiates through Nest's
   * injector. @default a `MemoryProgressTracker`
   */
  readonly tracker?: ProgressTracker | Type<ProgressTracker>;
  /** How long, in ms, a finished job's status stays readable. 0 forgets it at once. @default 3_600_000 (1 hour) */
  readonly retention?: number;
  /**
   * Most finished statuses the default memory tracker keeps; the oldest are
   * forgotten first. Bounds memory however many jobs run. @default 10_000
   */
  readonly maxRetained?: number;
  /**
   * Most jobs that may wait at once; past it `perform` rejects with a
   * `QueueFullError`. @default unbounded
   */
  readonly maxQueued?: number;
  /**
   * Grace period in ms at shutdown: running and queued jobs may finish within
   * it, then the rest are aborted and recorded as `interrupted`. @default 10_000
   */
  readonly shutdownTimeout?: number;
  /** Start with the worker paused (see `resume()`); jobs queue up but do not run. @default false */
  readonly paused?: boolean;
  /** Options applied to every job unless the decorator or the call overrides them. */
  readonly defaultJobOptions?: JobOptions;
  /**
   * A TypeORM DataSource (typeorm is an optional peer dependency; import
   * `nestjs-asyncjob/typeorm` once for its types): each job then gets its own
   * transaction, reachable inside it through `entityManager()`, committed when
   * it succeeds and rolled back when it fails. With `@nestjs/typeorm`, use
   * `forRootAsync({ inject: [DataSource], useFactory: (dataSource) => ({
   * dataSource }) })`. @default none
   */
  readonly dataSource?: JobDataSource;
  /**
   * Where named jobs (`@AsyncJob` methods started with `start()`) run: by
   * default in this process, on the module's RxJS worker; with a
   * `BullMqTransport` (from `nestjs-asyncjob/bullmq`), through a BullMQ queue on Redis or PostgreSQL, run by every process
   * with the worker role (see docs/scaling-out.md). `perform(closure)` always
   * runs in this process. With a transport the tracker must be shared: leave
   * `tracker` unset for one on the transport's own store (a `RedisProgressTracker`
   * on BullMQ's Redis, a `PostgresProgressTracker` on PostgreSQL).
   * @default none (local)
   */
  readonly transport?: AsyncJobTransport;
}

/**
 * A class that builds the module options, for `forRootAsync({ useClass })`
 * or `forRootAsync({ useExisting })`.
 *
 * @publicApi
 */
export interface AsyncJobOptionsFactory {
  createAsyncJobOptions(): AsyncJobModuleOptions | Promise<AsyncJobModuleOptions>;
}
