/** How one attempt ended. */
export type AttemptOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** What a job's record may ask of its running attempt (its `JobContext`). */
export interface AttemptHandle {
  /** False once the attempt has an outcome. */
  readonly isActive: boolean;
  /** Resolves once the attempt is over, its transaction (if any) settled. */
  readonly done: Promise<unknown>;
  /** Ends the attempt with `reason` (cancel, shutdown) unless it has ended. */
  abort(reason: Error): void;
}
