import type { Type } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { ProgressTracker } from './progress/progress-tracker.interface.js';
import type { JobTransport } from './transport/job-transport.interface.js';
import type { ResolvedJobOptions } from './resolved-job-options.types.js';

/** Module options, validated, with every default filled in. */
export interface ResolvedModuleOptions {
  readonly concurrency: number;
  readonly tracker?: ProgressTracker | Type<ProgressTracker> | undefined;
  readonly retention: number;
  readonly maxRetained: number;
  readonly maxQueued: number;
  readonly shutdownTimeout: number;
  readonly paused: boolean;
  readonly defaultJobOptions: ResolvedJobOptions;
  readonly dataSource?: DataSource | undefined;
  readonly transport?: JobTransport;
}
