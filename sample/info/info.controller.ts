import { hostname } from 'node:os';
import { Controller, Get, Inject } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AsyncJobService } from 'nestjs-asyncjob';
import type { SampleConfig } from '../config/sample-config.js';
import { SAMPLE_CONFIG } from '../config/sample-config.token.js';

/** What the page's header shows: which instance answers, and what it runs on. */
export interface InstanceInfo {
  readonly instance: { readonly host: string; readonly port: number | null; readonly pid: number };
  readonly tracker: 'memory' | 'redis' | 'postgres';
  readonly database: 'sqlite' | 'postgres';
  /** `local`: this instance runs the jobs it accepts; `pg-boss`: it only enqueues them, worker processes run them. */
  readonly jobEngine: 'local' | 'pg-boss';
  readonly concurrency: number;
  readonly queued: number;
  readonly running: number;
}

@Controller('api/info')
export class InfoController {
  constructor(
    private readonly jobs: AsyncJobService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  @Get()
  info(): InstanceInfo {
    const address: unknown = this.adapterHost.httpAdapter.getHttpServer()?.address?.();
    const port = typeof address === 'object' && address !== null ? (address as { port: number }).port : null;
    const { queued, running } = this.jobs.stats();
    return {
      instance: { host: hostname(), port, pid: process.pid },
      tracker: this.config.jobs.engine === 'pg-boss' ? 'postgres' : this.config.redisUrl ? 'redis' : 'memory',
      database: this.config.database.type,
      jobEngine: this.config.jobs.engine,
      concurrency: this.config.concurrency,
      queued,
      running,
    };
  }
}
