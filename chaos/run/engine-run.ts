import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobOrder, StartResult } from '../app/protocol.js';
import type { ChaosSettings } from '../app/settings.js';
import { chaosNamespace, chaosTables, createTablesSql, type ChaosTables } from '../app/tables.js';
import type { ChaosEngine } from '../engines/engine.js';
import type { EngineName } from '../engines/registry.js';
import type { ChaosOptions } from '../options.js';
import { ChaosChild } from './chaos-child.js';
import { Crew } from './crew.js';
import { JobBook } from './job-book.js';
import { between, seeded, type Random } from './random.js';
import type { ChaosServices } from './services.js';

/** What one engine's run counted. */
export interface EngineFigures {
  readonly jobs: number;
  readonly kills: number;
  readonly restarts: number;
  /** Accepted jobs with no committed effect that were no longer pending at the end. */
  readonly lost: number;
  /** Keys with more than one run (an attempt that started). */
  readonly runTwice: number;
  /** Keys with more than one committed effect row. */
  readonly duplicated: number;
  /** Jobs still queued or running when the deadline passed (neither lost nor done). */
  readonly pending: number;
  /** Jobs never accepted by the deadline (every refused start is tried again). */
  readonly unaccepted: number;
  /** Jobs whose start was refused at least once (and tried again). */
  readonly refusedStarts: number;
  readonly crashes: number;
  readonly runs: number;
  readonly effects: number;
  /** The longest time between two runs of one job, in seconds (how long a cut-short job waited to run again). */
  readonly longestRerunWait: number;
  readonly seconds: number;
}

/** How often the run hands jobs over, and looks at the jobs while it waits for them. */
const TICK = 100;

/**
 * One engine's run: its tables, an enqueuer (shared queue) and the workers;
 * `jobs` jobs handed over at `rate` while workers are SIGKILLed at random
 * moments (and started again at once) and the engine's store is restarted
 * `restarts` times; then a wait, up to the deadline, until no job is pending
 * (by its status, and by the count of the shared queue's store); then the
 * counts.
 */
export async function runEngine(
  name: EngineName,
  engine: ChaosEngine,
  services: ChaosServices,
  options: ChaosOptions,
  logFile: string,
): Promise<EngineFigures> {
  const began = performance.now();
  const say = (text: string): void => void process.stderr.write(`[${name} ${seconds(began)} s] ${text}\n`);
  const tables = chaosTables(name);
  for (const sql of createTablesSql(tables)) await services.query(sql);
  const settings = (role: ChaosSettings['role'], processName: string): ChaosSettings => ({
    engine: name,
    role,
    name: processName,
    postgresUrl: services.postgres.url,
    redisPort: services.redis?.port ?? 0,
    namespace: chaosNamespace(name),
    concurrency: options.concurrency,
    runsTable: tables.runs,
    effectsTable: tables.effects,
  });
  const sink = (processName: string, output: string): void => appendFileSync(logFile, `\n=== ${name} ${processName}\n${output}\n`);

  const enqueuer = engine.sharedQueue ? await ChaosChild.start(settings('enqueuer', 'enqueuer')) : undefined;
  const crew = await Crew.start(options.workers, (processName) => settings('worker', processName), sink).catch(async (error: unknown) => {
    await enqueuer?.stop();
    throw error;
  });
  say(`${options.workers} workers${enqueuer ? ' and an enqueuer' : ''} ready`);
  let handOver: HandOver;
  try {
    handOver = await handOverAndWait(engine, services, options, enqueuer, crew, say);
  } finally {
    await Promise.all([enqueuer?.stop(), crew.stop()]);
    if (enqueuer) sink(enqueuer.name, enqueuer.log);
  }
  const { book, pending, stillQueued, refused, unaccepted, restarts } = handOver;
  const counts = await tally(services, tables);
  const lost = [...book.keys()].filter((key) => !counts.effects.has(key) && !pending.has(key)).length;
  const figures: EngineFigures = {
    jobs: options.jobs,
    kills: crew.kills,
    restarts,
    lost,
    runTwice: [...counts.runs.values()].filter((n) => n > 1).length,
    duplicated: [...counts.effects.values()].filter((n) => n > 1).length,
    pending: Math.max(pending.size, stillQueued),
    unaccepted,
    refusedStarts: refused,
    crashes: crew.crashes,
    runs: sum(counts.runs),
    effects: sum(counts.effects),
    longestRerunWait: counts.longestRerunWait,
    seconds: seconds(began),
  };
  say(JSON.stringify(figures));
  return figures;
}

/** What the hand-over and the wait leave to count. */
interface HandOver {
  readonly book: JobBook;
  /** The jobs still queued or running by their status when the wait ended (none, unless the deadline passed). */
  readonly pending: ReadonlySet<number>;
  /** How many jobs the shared queue's store still held unfinished then. */
  readonly stillQueued: number;
  readonly refused: number;
  readonly unaccepted: number;
  readonly restarts: number;
}

/**
 * The chaos, then the wait: hands the jobs over while workers are killed and
 * the store restarts, then waits up to the deadline until no job is pending,
 * by its status and by the shared queue's count.
 */
async function handOverAndWait(
  engine: ChaosEngine,
  services: ChaosServices,
  options: ChaosOptions,
  enqueuer: ChaosChild | undefined,
  crew: Crew,
  say: (text: string) => void,
): Promise<HandOver> {
  const began = performance.now();
  const lengths = seeded(options.seed);
  const orders: JobOrder[] = Array.from({ length: options.jobs }, (_, key) => ({ key, workMs: between(lengths, ...options.workMs) }));
  // One stream each, so the kills' moments and victims do not depend on how the hand-over went.
  const [pickWorkers, restartMoments, kills] = [1, 2, 3].map((stream) => seeded(options.seed + stream)) as [Random, Random, Random];
  const book = new JobBook();
  const feedMs = (options.jobs / options.rate) * 1000;
  let feeding = true;
  const [{ refused, unaccepted }, restarts] = await Promise.all([
    feed(orders, options.rate, book, enqueuer, crew, pickWorkers, began + feedMs + options.deadline * 1000).finally(
      () => (feeding = false),
    ),
    restartStore(engine, services, options, feedMs, restartMoments, say),
    killWorkers(crew, kills, options.killEvery, () => feeding, say),
  ]);
  say(
    `${book.size} jobs handed over (${refused} refused at first and tried again), ${crew.kills} kills, ${restarts} store restarts; waiting`,
  );

  const deadline = performance.now() + options.deadline * 1000;
  for (let lastSaid = performance.now(); ; await sleep(10 * TICK)) {
    const pending = await book.pending();
    // The queue's own count, asked last: a job it holds may run (again) whatever its status said.
    const unfinished = pending.size === 0 && enqueuer ? ((await enqueuer.ask('unfinished', {}).catch(() => -1)) as number) : 0;
    if ((pending.size === 0 && unfinished === 0) || performance.now() > deadline)
      return { book, pending, stillQueued: Math.max(0, unfinished), refused, unaccepted, restarts };
    if (performance.now() - lastSaid > 5000) {
      say(
        pending.size > 0
          ? `${pending.size} jobs pending`
          : `the queue still holds ${unfinished < 0 ? 'an unknown number of' : unfinished} jobs`,
      );
      lastSaid = performance.now();
    }
  }
}

/**
 * Hands the jobs over at the run's rate, in a batch each tick: to the
 * enqueuer, or (in process) to a live worker picked at random. A refused
 * start is tried again (a shared queue's caller-chosen id keeps it from
 * being added twice). A worker that dies before answering may have started
 * the jobs it was sent: they are its, and lost with it unless they committed.
 */
async function feed(
  orders: readonly JobOrder[],
  rate: number,
  book: JobBook,
  enqueuer: ChaosChild | undefined,
  crew: Crew,
  random: Random,
  deadline: number,
): Promise<{ refused: number; unaccepted: number }> {
  const began = performance.now();
  let next = 0;
  let again: JobOrder[] = [];
  const refused = new Set<number>();
  while ((next < orders.length || again.length > 0) && performance.now() < deadline) {
    await sleep(TICK);
    const due = Math.min(orders.length, Math.ceil(((performance.now() - began) / 1000) * rate));
    const batch = [...again, ...orders.slice(next, due)];
    next = Math.max(next, due);
    again = [];
    if (batch.length === 0) continue;
    const live = crew.live;
    const owner = enqueuer ?? live[Math.floor(random() * live.length)];
    if (!owner) {
      again = batch;
      continue;
    }
    let results: StartResult[];
    try {
      results = (await owner.ask('start', { orders: batch })) as StartResult[];
    } catch (error) {
      if (owner === enqueuer && !owner.isAlive) throw new Error(`the enqueuer exited: ${owner.log.slice(-2000)}`, { cause: error });
      // Never sent (the worker had just been killed), or not answered in time: to be handed over again.
      if ((error as Error).name === 'ChannelClosedError' || owner.isAlive) again = batch;
      else for (const order of batch) book.accept(order.key, undefined, owner);
      continue;
    }
    for (const result of results) {
      if ('id' in result) book.accept(result.key, result.id, owner);
      else {
        refused.add(result.key);
        again.push(orders[result.key]!);
      }
    }
  }
  return { refused: refused.size, unaccepted: orders.length - book.size };
}

/** SIGKILLs a random worker at random moments (half to one and a half of `every` ms apart) while `going()`. */
async function killWorkers(crew: Crew, random: Random, every: number, going: () => boolean, say: (text: string) => void): Promise<void> {
  if (every === 0) return;
  while (going()) {
    await sleep(every * (0.5 + random()));
    if (!going()) return;
    const victim = await crew.killOne(random);
    if (victim) say(`SIGKILL ${victim}`);
  }
}

/** Restarts the engine's store `restarts` times, at random moments of the hand-over (between 15 % and 85 % of it). */
async function restartStore(
  engine: ChaosEngine,
  services: ChaosServices,
  options: ChaosOptions,
  feedMs: number,
  random: Random,
  say: (text: string) => void,
): Promise<number> {
  if (engine.store === 'none') return 0;
  const began = performance.now();
  const moments = Array.from({ length: options.restarts }, () => (0.15 + 0.7 * random()) * feedMs).sort((a, b) => a - b);
  for (const moment of moments) {
    await sleep(Math.max(0, began + moment - performance.now()));
    say(`${engine.store} down for ${options.downMs} ms`);
    await services.restart(engine.store, options.downMs);
    say(`${engine.store} back`);
  }
  return moments.length;
}

interface Counts {
  /** Rows per key. */
  readonly runs: Map<number, number>;
  readonly effects: Map<number, number>;
  readonly longestRerunWait: number;
}

async function tally(services: ChaosServices, tables: ChaosTables): Promise<Counts> {
  const perKey = async (table: string): Promise<Map<number, number>> => {
    const rows = await services.query<{ key: number; n: number }>(`SELECT key, count(*)::int AS n FROM ${table} GROUP BY key`);
    return new Map(rows.map((row) => [row.key, row.n]));
  };
  const [wait] = await services.query<{ s: number }>(
    `SELECT coalesce(max(gap), 0)::float8 AS s FROM (SELECT extract(epoch FROM at - lag(at) OVER (PARTITION BY key ORDER BY at)) AS gap FROM ${tables.runs}) runs`,
  );
  return { runs: await perKey(tables.runs), effects: await perKey(tables.effects), longestRerunWait: Math.round((wait?.s ?? 0) * 10) / 10 };
}

function sum(counts: Map<number, number>): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 100) / 10;
}
