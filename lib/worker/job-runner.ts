import { AsyncLocalStorage } from 'node:async_hooks';
import { JobTimeoutError } from '../errors/job-timeout.error.js';
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
export class JobRunner {
  readonly storage = new AsyncLocalStorage<JobContext>();

  constructor(private readonly scope?: AttemptScope) {}

  run(record: JobRecord, attempt: number): Promise<AttemptOutcome> {
    const context = new JobContext(record, attempt);
    record.context = context;
    const { timeout } = record.options;
    const resource = this.scope?.open(context);
    const done = new Promise<AttemptOutcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (outcome: AttemptOutcome): void => {
        if (!context.isActive) return;
        context.settle();
        if (timer) clearTimeout(timer);
        if (resource) resource.close(outcome).then(resolve, (error: unknown) => resolve({ ok: false, error }));
        else resolve(outcome);
      };
      context.whenAborted((error) => settle({ ok: false, error }));
      if (timeout !== undefined) {
        timer = setTimeout(() => context.abort(new JobTimeoutError(record.id, timeout)), timeout);
      }
      this.storage.run(context, () => {
        try {
          const value: unknown = record.fn(...(record.args as never[]));
          if (isThenable(value)) {
            value.then(
              (resolved) => settle({ ok: true, value: resolved }),
              (error: unknown) => settle({ ok: false, error }),
            );
          } else {
            settle({ ok: true, value });
          }
        } catch (error) {
          settle({ ok: false, error });
        }
      });
    });
    context.done = done;
    return done;
  }

  current(): JobContext | undefined {
    return this.storage.getStore();
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
