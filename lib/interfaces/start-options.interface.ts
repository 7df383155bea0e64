import type { PerformOptions } from './job-options.interface.js';

/**
 * Options for one call of `startWith` / `startAfterCommitWith`, over the
 * `@AsyncJob` decorator's. `delay`, `priority` and `jobId` are features of
 * the BullMQ transport: without it they are refused with an
 * `InvalidOptionError`.
 *
 * @publicApi
 */
export interface StartOptions extends Omit<PerformOptions, 'name'> {
  /** BullMQ only: ms to wait before the job may start. @default 0 */
  readonly delay?: number;
  /**
   * BullMQ only: 1 (highest) to 2 097 152 (lowest). Jobs with a priority run
   * before jobs without one, the lowest number first. @default none (FIFO)
   */
  readonly priority?: number;
  /**
   * BullMQ only: the job's id, instead of one the library makes, for
   * deduplication: while BullMQ still holds a job with this id (queued,
   * running, or finished and not yet removed by `removeOnComplete` /
   * `removeOnFail`), starting it again adds nothing and resolves to the same
   * id. Must not contain `:`, be a number, or start with `asyncjob_`.
   */
  readonly jobId?: string;
}
