import { DemoClock } from '../../../sample/common/demo-clock.js';

interface Sleeper {
  readonly resolve: () => void;
}

/**
 * A {@link DemoClock} a test can hold: while held, every pause of a job waits
 * until the test releases it, so the test steps through a job instead of
 * racing it. While open, pauses last `openMs` (0: the next tick).
 */
export class GatedClock extends DemoClock {
  private held: boolean;
  private readonly openMs: number;
  private readonly sleepers: Sleeper[] = [];
  private arrivals: Array<() => void> = [];

  constructor(options: { held?: boolean; openMs?: number } = {}) {
    super();
    this.held = options.held ?? true;
    this.openMs = options.openMs ?? 0;
  }

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.held) return super.sleep(Math.min(ms, this.openMs), signal);
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.sleepers.indexOf(sleeper);
        if (index >= 0) this.sleepers.splice(index, 1);
        reject(signal?.reason);
      };
      const sleeper: Sleeper = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
      const arrivals = this.arrivals;
      this.arrivals = [];
      for (const notify of arrivals) notify();
    });
  }

  /** Resolves once some job is paused on this clock (at once if one already is). */
  async paused(): Promise<void> {
    while (this.sleepers.length === 0) await new Promise<void>((resolve) => this.arrivals.push(resolve));
  }

  /** How many pauses are waiting. */
  get waiting(): number {
    return this.sleepers.length;
  }

  /** Ends the oldest waiting pause. */
  releaseOne(): void {
    const sleeper = this.sleepers.shift();
    if (!sleeper) throw new Error('GatedClock.releaseOne: no job is paused');
    sleeper.resolve();
  }

  hold(): void {
    this.held = true;
  }

  /** Lets every waiting and future pause through. */
  open(): void {
    this.held = false;
    for (const sleeper of this.sleepers.splice(0)) sleeper.resolve();
  }
}
