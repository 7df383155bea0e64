import { types } from 'node:util';

/** Return types a method may declare that are never thenable. */
const SYNCHRONOUS_RESULTS: ReadonlySet<unknown> = new Set([Number, String, Boolean, Array]);

/**
 * Whether `prototype[methodName]` declares (in the `design:returntype`
 * metadata TypeScript and swc emit for decorated methods) that it returns a
 * number, string, boolean or array, and is not an `async` function. Such a
 * job finishes when it returns, so its context is needed only while it runs:
 * it is run without AsyncLocalStorage, whose promise hooks would otherwise
 * be paid by every promise made meanwhile (BullMQ's and ioredis' included).
 * Anything else (a Promise, a union, no annotation, no metadata) answers
 * false.
 */
export function declaresSynchronousResult(prototype: object, methodName: string): boolean {
  const method: unknown = (prototype as Record<string, unknown>)[methodName];
  if (typeof method !== 'function' || types.isAsyncFunction(method)) return false;
  const reflect = Reflect as typeof Reflect & { getMetadata?: (key: string, target: object, property: string) => unknown };
  return SYNCHRONOUS_RESULTS.has(reflect.getMetadata?.('design:returntype', prototype, methodName));
}
