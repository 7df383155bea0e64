import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChaosEngine } from './engine.js';

/** Every engine the chaos run knows, in the order it runs them; each is chaos/engines/<name>.ts. */
export const ENGINES = [
  { name: 'in-process', label: 'in process' },
  { name: 'bullmq-redis', label: 'BullMQ on Redis' },
  { name: 'bullmq-postgres', label: 'BullMQ on PostgreSQL' },
  { name: 'pg-boss', label: 'pg-boss' },
] as const;

export type EngineName = (typeof ENGINES)[number]['name'];

export function isEngineName(name: string): name is EngineName {
  return ENGINES.some((entry) => entry.name === name);
}

/** The engine of that name, or `undefined` when this build has no file for it. */
export async function loadEngine(name: EngineName): Promise<ChaosEngine | undefined> {
  const file = new URL(`./${name}.js`, import.meta.url);
  if (!existsSync(fileURLToPath(file))) return undefined;
  return ((await import(file.href)) as { engine: ChaosEngine }).engine;
}
