import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LIB = fileURLToPath(new URL('../../lib/', import.meta.url));
/** Relative imports and re-exports, type-only ones included: a type cycle still ties the files' designs together. */
const IMPORT = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;

function libFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return libFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Each lib file's relative imports, as lib-relative paths of .ts files. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of libFiles(LIB)) {
    const source = readFileSync(file, 'utf8');
    const targets = [...source.matchAll(IMPORT)].map((match) => relative(LIB, resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts'))));
    graph.set(relative(LIB, file), [...new Set(targets)]);
  }
  return graph;
}

/** Every cycle, once each, as the files on it (Tarjan's strongly connected components of more than one file, or a file importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

describe('lib/ imports', () => {
  it('form no cycle, type-only imports included', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(50);
    expect(cycles(graph)).toEqual([]);
  });

  it('engines are leaves: nothing outside lib/bullmq or lib/pg-boss imports them, and only the entry points and BullMQ import the Redis tracker', () => {
    const graph = importGraph();
    const importers = (target: (file: string) => boolean) => [...graph].filter(([, targets]) => targets.some(target)).map(([file]) => file);
    expect(importers((file) => file.startsWith('bullmq/')).filter((file) => !file.startsWith('bullmq/'))).toEqual([]);
    expect(importers((file) => file.startsWith('pg-boss/')).filter((file) => !file.startsWith('pg-boss/'))).toEqual([]);
    const redisTracker = (file: string) => file === 'progress/redis-progress-tracker.ts' || file.startsWith('progress/redis/');
    expect(
      importers(redisTracker)
        .filter((file) => !redisTracker(file))
        .sort(),
    ).toEqual(['bullmq/bullmq-connection.ts', 'bullmq/redis-backend.ts', 'redis/index.ts']);
  });

  it('BullMQ reaches the Redis tracker only through its class: what both use is in shared/redis, which imports neither', () => {
    const graph = importGraph();
    const edges = (from: (file: string) => boolean, to: (file: string) => boolean) =>
      [...graph].filter(([file]) => from(file)).flatMap(([file, targets]) => targets.filter(to).map((target) => `${file} -> ${target}`));
    const bullmq = (file: string) => file.startsWith('bullmq/');
    const tracker = (file: string) => file.startsWith('progress/redis');
    const shared = (file: string) => file.startsWith('shared/redis/');
    expect(edges(bullmq, (file) => file.startsWith('progress/redis/'))).toEqual([]);
    expect(edges(shared, (file) => file.startsWith('progress/') || bullmq(file) || file.startsWith('redis/'))).toEqual([]);
    expect(edges(bullmq, shared)).not.toEqual([]);
    expect(edges(tracker, shared)).not.toEqual([]);
  });

  it('the PostgreSQL tracker is a leaf: its entry point, and the default tracker of the engines on PostgreSQL, reach its class; others only its public pool types; it imports no other engine', () => {
    const graph = importGraph();
    const postgres = (file: string) => file.startsWith('progress/postgres/');
    const importersOf = (target: (file: string) => boolean) =>
      [...graph].filter(([file, targets]) => !postgres(file) && targets.some(target)).map(([file]) => file);
    const poolTypes = 'progress/postgres/postgres-pool.interface.ts';
    const trackerClass = 'progress/postgres/postgres-progress-tracker.ts';
    // pg-boss and BullMQ name the class only as the type of their default tracker, which shared/postgres builds.
    expect(importersOf((file) => file === trackerClass).sort()).toEqual([
      'bullmq/postgres-backend.ts',
      'pg-boss/pg-boss-transport.ts',
      'postgres/index.ts',
      'shared/postgres/tracker-beside-engine.ts',
    ]);
    expect(importersOf((file) => postgres(file) && file !== poolTypes && file !== trackerClass)).toEqual(['postgres/index.ts']);
    const engines = (file: string) => file.startsWith('bullmq/') || file.startsWith('progress/redis') || file.startsWith('shared/redis/');
    expect([...graph].filter(([file]) => postgres(file)).flatMap(([, targets]) => targets.filter(engines))).toEqual([]);
  });

  it('what the engines on PostgreSQL share (shared/postgres) imports neither engine', () => {
    const graph = importGraph();
    const engine = (file: string) => file.startsWith('bullmq/') || file.startsWith('pg-boss/');
    const shared = [...graph].filter(([file]) => file.startsWith('shared/postgres/'));
    expect(shared.length).toBeGreaterThan(0);
    expect(shared.flatMap(([file, targets]) => targets.filter(engine).map((target) => `${file} -> ${target}`))).toEqual([]);
  });

  it('the progress coalescer, shared by every store, imports nothing', () => {
    expect(importGraph().get('shared/progress-coalescer.ts')).toEqual([]);
  });

  it('the finder sees a cycle when there is one', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    expect(cycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });
});
