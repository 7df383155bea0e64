/**
 * Where named jobs (`@AsyncJob` methods started with `start()`) go instead of
 * the module's own worker: a queue shared by every process of the app. Built
 * by an engine's entry point, e.g. `new BullMqTransport({ connection })` from
 * `nestjs-asyncjob/bullmq`, and given as the module's `transport` option.
 *
 * @publicApi
 */
export interface AsyncJobTransport {
  /** Whether this process runs the jobs of the queue (false: it only enqueues them). */
  readonly runsJobs: boolean;
}
