import { isThenable } from './is-thenable.js';

/** A value now, or a promise of it: what a step returns when it can finish synchronously. */
export type MaybePromise<T> = T | PromiseLike<T>;

/**
 * Calls `next` on `self` with `a`, `b` and what `value` gives: at once when
 * `value` is no promise, after it resolves otherwise. A chain of steps that
 * can all finish synchronously (the memory tracker, a synchronous job) then
 * makes no promise, and, since `next` is a method passed with its arguments
 * rather than a closure, allocates nothing on a job's path.
 */
export function andThen<Self, A, B, T, R>(
  value: MaybePromise<T>,
  next: (this: Self, a: A, b: B, value: T) => MaybePromise<R>,
  self: Self,
  a: A,
  b: B,
): MaybePromise<R> {
  if (isThenable(value)) return (value as PromiseLike<T>).then((settled) => next.call(self, a, b, settled));
  return next.call(self, a, b, value as T);
}
