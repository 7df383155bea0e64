/**
 * Progress reported in a tight loop must not become a write per update,
 * wherever it is kept: the Redis and PostgreSQL trackers (their stored
 * progress) and the BullMQ transport (BullMQ's job progress) all batch
 * through this one coalescer, which knows nothing of any store.
 */

/**
 * Batches progress updates: the latest value per job wins, and everything
 * pending goes out in one write at most `interval` ms after the previous
 * one. The first update after a quiet spell goes out on the next tick, so a
 * job reporting now and then is not delayed; one reporting in a tight loop
 * costs one write per interval, whatever its rate.
 *
 * Only one write is in flight at a time; updates arriving meanwhile wait for
 * the next. A failed write puts its updates back (unless newer ones arrived,
 * or `keep` says the job is gone) for the next attempt.
 */
export class ProgressCoalescer {
  private pending = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastWrite = 0;

  constructor(
    private readonly interval: number,
    private readonly write: (batch: ReadonlyMap<string, string>) => Promise<void>,
    /** Whether a write could succeed now; when not, updates wait for {@link schedule} to be called again. */
    private readonly canWrite: () => boolean,
    /** Whether an update that failed should be retried. */
    private readonly keep: (id: string) => boolean,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Records the latest progress of job `id` as its JSON text. */
  set(id: string, json: string): void {
    this.pending.set(id, json);
    this.schedule();
  }

  /** The update not yet written for `id`, if any. */
  peek(id: string): string | undefined {
    return this.pending.get(id);
  }

  /** Removes and returns the update not yet written for `id`, for a caller that writes it itself. */
  take(id: string): string | undefined {
    if (this.pending.size === 0) return undefined;
    const json = this.pending.get(id);
    if (json !== undefined) this.pending.delete(id);
    return json;
  }

  /** Puts back an update its caller could not write, unless a newer one arrived. */
  restore(id: string, json: string): void {
    if (!this.pending.has(id) && this.keep(id)) this.pending.set(id, json);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Plans the next write, if anything is pending and none is planned or running. */
  schedule(): void {
    if (this.timer || this.inFlight || this.pending.size === 0 || !this.canWrite()) return;
    const wait = Math.max(0, this.lastWrite + this.interval - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writePending();
    }, wait);
  }

  /** Writes everything pending now (after the write in flight, if any). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight) await this.inFlight;
    await this.writePending();
  }

  /** Stops the timer; pending updates are dropped. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private writePending(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.pending.size === 0 || !this.canWrite()) return Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    this.lastWrite = Date.now();
    this.inFlight = this.write(batch)
      .catch((error: unknown) => {
        for (const [id, json] of batch) this.restore(id, json);
        this.onError(error);
      })
      .finally(() => {
        this.inFlight = undefined;
        this.schedule();
      });
    return this.inFlight;
  }
}
