import { AsyncLocalStorage } from 'node:async_hooks';
import { JobTimeoutError } from '../errors/job-timeout.error.js';
import { isThenable } from '../utils/is-thenable.js';
import type { AttemptScope } from './attempt-scope.js';
import { JobContext } from './job-context.js';
import type { JobRecord } from './job-record.js';

/** How one attempt ended. */
export type AttemptOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Runs one attempt of a job's function inside its {@link JobContext}, and
 * settles as soon as the function settles, the attempt times out, or the
 * context is aborted (cancel, shutdown), whichever comes first. It never
 * rejects: every way a function can fail becomes an outcome.
 *
 * With a `scope` (the job's database transaction), the outcome is handed on
 * only once the scope has closed (committed or rolled back, and released),
 * and the scope may change it (a failed commit fails the attempt).
 */
/**
 * One store for every runner of the process. On Node 20 an
 * AsyncLocalStorage, once used, stays enabled for the life of the process and
 * every promise made afterwards copies its slot: a store per module instance
 * (each test module, each benchmark round) would add one more copy to every
 * promise each time. Each runner reads only its own contexts from it.
 */
const jobStorage = new AsyncLocalStorage<JobContext>();

export class JobRunner {

  constructor(private readonly scope?: AttemptScope) {}

  /**
   * Synchronous when it can be: a function that returns without a promise,
   * in an attempt with no scope, gives its outcome at once, so the worker's
   * bookkeeping for it makes no promise either.
   */
  run(record: JobRecord, attempt: number): AttemptOutcome | Promise<AttemptOutcome> {
    const context = new JobContext(record, attempt, this);
    record.context = context;
    const resource = this.scope?.open(context);
    const outcome = this.invoke(record, context);
    if (!resource && !isThenable(outcome)) return outcome;
    const done = Promise.resolve(outcome).then((settled) =>
      resource ? resource.close(settled).then(undefined, (error: unknown): AttemptOutcome => ({ ok: false, error })) : settled,
    );
    context.done = done;
    return done;
  }

  /** The attempt's own outcome: the function's, or the abort's (timeout, cancel, shutdown) if that comes first. */
  private invoke(record: JobRecord, context: JobContext): AttemptOutcome | Promise<AttemptOutcome> {
    const { timeout } = record.options;
    const startedAt = timeout === undefined ? 0 : performance.now();
    jobStorage.run(context, callJob, context);
    if (context.outcome) return context.outcome;
    if (timeout !== undefined) {
      // Counted from the start of the function, its synchronous part included.
      const left = Math.max(0, timeout - (performance.now() - startedAt));
      context.timer = setTimeout(() => context.abort(new JobTimeoutError(record.id, timeout)), left);
    }
    return context.later();
  }

  /** The context of the job of this runner whose code runs now; a job of another module instance is not this one's. */
  current(): JobContext | undefined {
    const context = jobStorage.getStore();
    return context?.runner === this ? context : undefined;
  }
}

/** Calls the job's function inside its context; how it ends goes to the context, whether now or later. */
function callJob(context: JobContext): void {
  const record = context.record;
  try {
    const value: unknown = record.fn(...(record.args as never[]));
    if (isThenable(value)) {
      value.then(
        (resolved) => context.end({ ok: true, value: resolved }),
        (error: unknown) => context.end({ ok: false, error }),
      );
    } else {
      context.end({ ok: true, value });
    }
  } catch (error) {
    context.end({ ok: false, error });
  }
}
