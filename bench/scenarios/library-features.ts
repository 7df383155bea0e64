import * as library from '../../lib/index.js';

/**
 * Looks up a public export that a later issue adds to the library. Scenarios
 * 4 and 5 measure features that may not have landed yet; looking them up at
 * run time (not importing them statically) lets the suite compile and report
 * them as "not run: feature not present" until they do.
 */
export function libraryExport(name: string): unknown {
  return (library as Readonly<Record<string, unknown>>)[name];
}
