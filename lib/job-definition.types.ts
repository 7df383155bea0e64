import type { ResolvedJobOptions } from './resolved-job-options.types.js';

/** A discovered `@AsyncJob` method, bound to its provider instance through {@link JobDefinition.run}. */
export interface JobDefinition {
  readonly name: string;
  readonly type: abstract new (...args: never[]) => unknown;
  readonly methodName: string;
  readonly options: ResolvedJobOptions;
  /** Calls the method on its instance (looked up at each call), made once per definition rather than per job. */
  readonly run: (...args: never[]) => unknown;
  /** The method declares a result that is not a promise (see declaresSynchronousResult): it runs without AsyncLocalStorage. */
  readonly synchronous: boolean;
}
