import { isThenable } from './is-thenable.js';

/** A value now, or a promise of it: what a step returns when it can finish synchronously. */
export type MaybePromise<T> = T | PromiseLike<T>;

/**
 * Runs `next` after `value`: at once when `value` is no promise, after it
 * resolves otherwise. A chain of steps that can all finish synchronously
 * (the memory tracker, a synchronous job) then makes no promise at all,
 * which is most of a trivial job's cost.
 */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isThenable(value) ? (value as PromiseLike<T>).then(next) : next(value as T);
}
