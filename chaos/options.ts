import { parseArgs } from 'node:util';
import { ENGINES, isEngineName, type EngineName } from './engines/registry.js';

/** What `npm run chaos -- …` was asked for (see the header of main.ts). */
export interface ChaosOptions {
  /** Jobs per engine. */
  readonly jobs: number;
  readonly engines: readonly EngineName[];
  /** Seeds the schedule (job lengths, kill moments and victims, store restarts); processes still race. */
  readonly seed: number;
  /** Mean time between two SIGKILLs, in ms (each wait is drawn from half to one and a half of it); 0: none. */
  readonly killEvery: number;
  readonly workers: number;
  /** Jobs one worker runs at once. */
  readonly concurrency: number;
  /** Jobs handed over per second. */
  readonly rate: number;
  /** Store restarts per engine. */
  readonly restarts: number;
  /** How long the store stays down at each restart, in ms. */
  readonly downMs: number;
  /** Seconds the run waits, once the chaos is over, for every job to finish. */
  readonly deadline: number;
  /** Shortest and longest time a job works inside its transaction, in ms. */
  readonly workMs: readonly [number, number];
}

const DEFAULTS = {
  jobs: 300,
  seed: 1,
  'kill-every': 1500,
  workers: 3,
  concurrency: 4,
  rate: 20,
  restarts: 2,
  'down-ms': 1500,
  deadline: 180,
} as const;

function whole(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`--${name} takes a whole number of at least ${min}, not ${JSON.stringify(text)}`);
  return value;
}

export function parseOptions(argv: readonly string[]): ChaosOptions {
  const numeric = Object.fromEntries(Object.keys(DEFAULTS).map((name) => [name, { type: 'string' } as const]));
  const { values } = parseArgs({
    args: [...argv],
    options: { ...numeric, engines: { type: 'string' }, 'work-ms': { type: 'string' } },
    strict: true,
  });
  const given = values as Readonly<Record<string, string | undefined>>;
  const number = (name: keyof typeof DEFAULTS, min: number): number => whole(name, given[name], DEFAULTS[name], min);
  const engines = (values.engines ?? ENGINES.map((entry) => entry.name).join(',')).split(',').filter(Boolean);
  const unknown = engines.filter((name) => !isEngineName(name));
  if (unknown.length > 0)
    throw new Error(`unknown engine(s) ${unknown.join(', ')}: --engines takes a list of ${ENGINES.map((entry) => entry.name).join(', ')}`);
  const [shortest = '200', longest = '800'] = (values['work-ms'] ?? '').split('-').filter(Boolean);
  const workMs = [whole('work-ms', shortest, 200, 0), whole('work-ms', longest, 800, 0)] as const;
  if (workMs[1] < workMs[0]) throw new Error('--work-ms takes MIN-MAX with MIN ≤ MAX');
  return {
    jobs: number('jobs', 1),
    engines: engines.filter(isEngineName),
    seed: number('seed', 0),
    killEvery: number('kill-every', 0),
    workers: number('workers', 1),
    concurrency: number('concurrency', 1),
    rate: number('rate', 1),
    restarts: number('restarts', 0),
    downMs: number('down-ms', 0),
    deadline: number('deadline', 10),
    workMs,
  };
}
