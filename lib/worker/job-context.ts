import type { RunningJob } from '../interfaces/running-job.interface.js';
import type { JobRecord } from './job-record.js';

/**
 * One attempt of one job, as seen from inside it (through AsyncLocalStorage).
 * The `AbortController` is made only when someone asks for the signal, so a
 * job that never looks at it costs none.
 */
export class JobContext implements RunningJob {
  private controller?: AbortController;
  private abortReason?: Error;
  private settled = false;
  private onAbort?: (reason: Error) => void;
  /**
   * Resolves once the attempt is over: its outcome known and its transaction,
   * if any, committed or rolled back and released. Set by the runner.
   */
  done: Promise<unknown> = Promise.resolve();

  constructor(
    readonly record: JobRecord,
    readonly attempt: number,
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

  /** Called once with the outcome's side of an abort; set by the runner. */
  whenAborted(listener: (reason: Error) => void): void {
    this.onAbort = listener;
  }

  abort(reason: Error): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
    this.onAbort?.(reason);
  }

  settle(): void {
    this.settled = true;
    this.onAbort = undefined;
  }
}
