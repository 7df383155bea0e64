import type { JobOptions } from './job-options.interface.js';

/**
 * Options of the `@AsyncJob()` decorator.
 *
 * @publicApi
 */
export interface AsyncJobOptions extends JobOptions {
  /**
   * The job's registered name; unique in the application.
   * @default `ClassName.methodName`
   */
  readonly name?: string;
}
