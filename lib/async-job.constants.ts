/**
 * Injection token of the {@link ProgressTracker} the module uses. Inject it to
 * read the tracker directly, or override it in a testing module.
 *
 * @publicApi
 */
export const PROGRESS_TRACKER = Symbol('asyncjob:progress_tracker');

/** Metadata key under which `@AsyncJob()` stores its options. */
export const ASYNC_JOB_METADATA = 'asyncjob:job';
