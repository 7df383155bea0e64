import type { RunningJob } from '../interfaces/running-job.interface.js';
import type { AttemptHandle, AttemptOutcome } from './attempt.types.js';
import type { JobRecord } from './job-record.js';

/** Shared by every attempt that ends synchronously, which needs no promise of its own. */
const SETTLED: Promise<unknown> = Promise.resolve();

/**
 * One attempt of one job, as seen from inside it (through AsyncLocalStorage).
 * The `AbortController` is made only when someone asks for the signal, so a
 * job that never looks at it costs none.
 */
export class JobContext implements RunningJob, AttemptHandle {
  private controller?: AbortController;
  private abortReason?: Error;
  private settled = false;
  /** How the attempt ended, when it ended before anyone asked with {@link later}. */
  outcome?: AttemptOutcome;
  /** Hands the outcome to {@link later}'s promise. */
  private deliver?: (outcome: AttemptOutcome) => void;
  /** The attempt's timeout, cleared as it ends. */
  timer?: NodeJS.Timeout;
  /**
   * Resolves once the attempt is over: its outcome known and its transaction,
   * if any, committed or rolled back and released. Set by the runner.
   */
  done: Promise<unknown> = SETTLED;

  constructor(
    readonly record: JobRecord,
    readonly attempt: number,
    /** The runner it runs under: one AsyncLocalStorage serves every module instance of the process. */
    readonly runner: object,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get name(): string {
    return this.record.name;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** False once the attempt has an outcome: later progress reports are dropped. */
  get isActive(): boolean {
    return !this.settled;
  }

  /** Ends the attempt with `reason` (timeout, cancel, shutdown) unless it has already ended. */
  abort(reason: Error): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
    this.end({ ok: false, error: reason });
  }

  /** Records how the attempt ended: the first outcome counts, a later one (the function settling after a timeout) is ignored. */
  end(outcome: AttemptOutcome): void {
    if (this.settled) return;
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deliver) this.deliver(outcome);
    else this.outcome = outcome;
  }

  /** The outcome of an attempt still running once its function has returned. */
  later(): Promise<AttemptOutcome> {
    return new Promise<AttemptOutcome>((resolve) => (this.deliver = resolve));
  }
}
