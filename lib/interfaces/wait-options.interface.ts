/**
 * Options of `AsyncJobService.waitFor()`.
 *
 * @publicApi
 */
export interface WaitOptions {
  /** Give up after this many ms with a `WaitTimeoutError`. @default wait forever */
  readonly timeout?: number;
}
