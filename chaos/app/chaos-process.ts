// One process of a chaos run (started by chaos/run/chaos-child.ts): a Nest app
// with AsyncJobModule as the engine builds it, driven over IPC. Workers run
// EffectJobs; an enqueuer (worker: false) only starts them.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { AsyncJobModule, AsyncJobService } from '../../lib/index.js';
import { serve } from '../../test/fixtures/shared/serve.js';
import { isEngineName, loadEngine } from '../engines/registry.js';
import { EffectJobs, Ledger } from './effect-jobs.js';
import type { ChaosRequest, StartResult } from './protocol.js';
import { readSettings } from './settings.js';

const settings = readSettings();
const engine = isEngineName(settings.engine) ? await loadEngine(settings.engine) : undefined;
if (!engine) throw new Error(`no engine ${settings.engine} in this build (chaos/engines/${settings.engine}.ts)`);

// A worker restarted while PostgreSQL restarts waits for it, as a deployed one would.
const dataSource = new DataSource({
  type: 'postgres',
  url: settings.postgresUrl,
  poolSize: 2 * settings.concurrency + 6,
  connectTimeoutMS: 3000,
});
for (let tries = 1; ; tries++) {
  try {
    await dataSource.initialize();
    break;
  } catch (error) {
    if (tries >= 60) throw error;
    await sleep(500);
  }
}

@Module({
  imports: [
    AsyncJobModule.forRoot({
      dataSource,
      concurrency: settings.concurrency,
      shutdownTimeout: 2000,
      ...engine.moduleOptions({ settings, dataSource }),
    }),
  ],
  providers: [EffectJobs, { provide: Ledger, useValue: new Ledger(dataSource, settings.runsTable, settings.effectsTable, settings.name) }],
})
class ChaosModule {}

const app = await NestFactory.createApplicationContext(ChaosModule, { logger: ['error', 'warn'] });
const jobs = app.get(AsyncJobService);
const sharedQueue = engine.sharedQueue;

async function start(key: number, workMs: number): Promise<StartResult> {
  try {
    // A caller-chosen id makes a start retried after a refusal add nothing twice (a queue feature: in process there is no retry).
    const id = sharedQueue
      ? await jobs.startWith({ jobId: `chaos-${key}` }, EffectJobs, 'effect', key, workMs)
      : await jobs.start(EffectJobs, 'effect', key, workMs);
    return { key, id };
  } catch (error) {
    return { key, refused: (error as Error).message };
  }
}

/** The ids whose job is still queued or running; a failed read counts as pending (asked again later). */
async function pending(ids: readonly string[]): Promise<string[]> {
  const states = await Promise.all(
    ids.map((id) =>
      jobs.getStatus(id).then(
        (status) => status?.state,
        () => 'unreadable',
      ),
    ),
  );
  return ids.filter((_, index) => ['queued', 'running', 'unreadable'].includes(states[index] ?? ''));
}

// The driver gone (crashed, interrupted), nothing is left to serve: exit rather than outlive it. After `close`, serve disconnects itself.
let closing = false;
process.on('disconnect', () => closing || process.exit(1));

serve(async (request: ChaosRequest): Promise<unknown> => {
  switch (request.op) {
    case 'start':
      return Promise.all(request.orders.map((order) => start(order.key, order.workMs)));
    case 'pending':
      return pending(request.ids);
    case 'unfinished':
      return (await engine.unfinished?.({ settings, dataSource })) ?? 0;
    case 'close':
      closing = true;
      await app.close();
      await dataSource.destroy();
      return undefined;
  }
});
