/**
 * Names of the methods of `T`: what `start(Type, method)` accepts.
 *
 * @publicApi
 */
export type JobMethodName<T> = {
  [K in keyof T]-?: T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T] &
  string;

/**
 * The parameters of method `K` of `T`: what `start(Type, method, ...args)`
 * checks its arguments against.
 *
 * @publicApi
 */
export type JobMethodArgs<T, K extends keyof T> = T[K] extends (...args: infer A) => unknown ? A : never;
