import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AsyncJob, AsyncJobService } from '../../lib/index.js';
import { insertSql } from './tables.js';

/** Where this process records runs and effects: its DataSource, the engine's tables, its own name. */
export class Ledger {
  constructor(
    readonly dataSource: DataSource,
    readonly runsTable: string,
    readonly effectsTable: string,
    readonly processName: string,
  ) {}
}

@Injectable()
export class EffectJobs {
  constructor(
    private readonly jobs: AsyncJobService,
    @Inject(Ledger) private readonly ledger: Ledger,
  ) {}

  /**
   * Records its run (autocommit, outside the job's transaction), writes one
   * effect row through the job's transaction, works `workMs` with that
   * transaction open, and returns: the effect commits with the attempt.
   * Nothing makes it idempotent. A failed attempt (a store outage) is tried
   * again after a backoff, as a job that must not be lost would be.
   */
  @AsyncJob({ name: 'chaos.effect', attempts: 6, backoff: { delay: 500, factor: 2 } })
  async effect(key: number, workMs: number): Promise<{ key: number }> {
    const { id, attempt } = this.jobs.currentJob()!;
    const { dataSource, runsTable, effectsTable, processName } = this.ledger;
    await dataSource.query(insertSql(runsTable), [key, id, attempt, processName]);
    const manager = await this.jobs.entityManager();
    await manager.query(insertSql(effectsTable), [key, id, attempt, processName]);
    await new Promise((resolve) => setTimeout(resolve, workMs));
    return { key };
  }
}
