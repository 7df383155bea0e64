import { AsyncLocalStorage } from 'node:async_hooks';
import { JobTimeoutError } from '../errors/job-timeout.error.js';
import { isThenable } from '../utils/is-thenable.js';
import type { AttemptScope } from './attempt-scope.js';
import type { AttemptOutcome } from './attempt.types.js';
import { JobContext } from './job-context.js';
import type { JobRecord } from './job-record.js';

/**
 * One store for every runner of the process. On Node 20 an enabled
 * AsyncLocalStorage runs a hook on every promise the process makes, its own
 * or a library's (BullMQ and ioredis make several per job): a store per
 * module instance would add one more copy each time. So runners share one,
 * each reading only its own contexts, and it is disabled whenever no job
 * function is running (see {@link StorageUse}).
 */
const jobStorage = new AsyncLocalStorage<JobContext>();

/**
 * Keeps the store enabled only while job functions of this process run.
 * `run` enables it; it is disabled when a caller says the work that follows
 * is not a job's ({@link JobRunner.releaseStorage}: a module with no job
 * left, a queue's job just ended) and no function is running. Disabling
 * has a cost (see docs/performance.md), so the local worker, with a backlog, does not toggle it
 * per job; a queue's jobs do, as each is followed by BullMQ's own promises.
 * Continuations made while it was enabled keep their context, so a function
 * still running (even one whose attempt has timed out) reads its context as
 * before; only a chain a function left behind, still going after the
 * function itself settled, may no longer find it.
 */
class StorageUse {
  /** Job functions that returned a promise which has not settled yet. */
  private pending = 0;
  /** Job functions running synchronously now (a job may call into another module). */
  private inside = 0;

  enter(): void {
    this.inside++;
  }

  leave(): void {
    this.inside--;
  }

  /** A function returned a promise: the store stays enabled until {@link settled}. */
  began(): void {
    this.pending++;
  }

  settled(): void {
    this.pending--;
  }

  /** Disables the store now, unless a job function is running. */
  release(): void {
    if (this.pending === 0 && this.inside === 0) jobStorage.disable();
  }
}

const storageUse = new StorageUse();

/**
 * The context of the job whose function declared a synchronous result (see
 * `JobRecord.synchronous`) and runs now, called without the store: it is
 * done when it returns, so a plain variable carries its context.
 */
let synchronousContext: JobContext | undefined;

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
    if (record.synchronous) {
      const outer = synchronousContext;
      synchronousContext = context;
      try {
        callJob(context);
      } finally {
        synchronousContext = outer;
      }
    } else {
      storageUse.enter();
      jobStorage.run(context, callJob, context);
      storageUse.leave();
    }
    if (context.outcome) return context.outcome;
    if (timeout !== undefined) {
      // Counted from the start of the function, its synchronous part included.
      const left = Math.max(0, timeout - (performance.now() - startedAt));
      context.timer = setTimeout(() => context.abort(new JobTimeoutError(record.id, timeout)), left);
    }
    return context.later();
  }

  /**
   * What follows is not a job's work (the module has no job left, or a
   * queue's job has ended and BullMQ's acknowledgement and next fetch come
   * next): the store is disabled unless a job function still runs, so those
   * promises, and the application's, pay no hook.
   */
  releaseStorage(): void {
    storageUse.release();
  }

  /** The context of the job of this runner whose code runs now; a job of another module instance is not this one's. */
  current(): JobContext | undefined {
    const context = synchronousContext ?? jobStorage.getStore();
    return context?.runner === this ? context : undefined;
  }
}

/** Calls the job's function inside its context; how it ends goes to the context, whether now or later. */
function callJob(context: JobContext): void {
  const record = context.record;
  try {
    const value: unknown = record.fn(...(record.args as never[]));
    if (isThenable(value)) {
      storageUse.began();
      value.then(
        (resolved) => {
          storageUse.settled();
          context.end({ ok: true, value: resolved });
        },
        (error: unknown) => {
          storageUse.settled();
          context.end({ ok: false, error });
        },
      );
    } else {
      context.end({ ok: true, value });
    }
  } catch (error) {
    context.end({ ok: false, error });
  }
}
