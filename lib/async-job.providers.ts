import type { Provider, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { PROGRESS_TRACKER } from './async-job.constants.js';
import { RESOLVED_OPTIONS } from './async-job.internal-constants.js';
import { ASYNC_JOB_MODULE_OPTIONS } from './async-job.module-definition.js';
import { resolveModuleOptions } from './async-job-options.resolver.js';
import type { ResolvedModuleOptions } from './async-job-options.types.js';
import { InvalidOptionError } from './errors/invalid-option.error.js';
import type { AsyncJobModuleOptions } from './interfaces/async-job-module-options.interface.js';
import { MemoryProgressTracker } from './progress/memory-progress-tracker.js';
import { ModuleMemoryTracker } from './progress/module-memory-tracker.js';
import { JobBook } from './worker/job-book.js';
import { isJobStatusStore, type ProgressTracker } from './progress/progress-tracker.interface.js';

const SHARED_TRACKER = 'a tracker shared by every process, keeping statuses (e.g. a RedisProgressTracker)';

/** Validates the options once, at bootstrap, so a bad one fails start-up. */
export const resolvedOptionsProvider: Provider = {
  provide: RESOLVED_OPTIONS,
  useFactory: (options: AsyncJobModuleOptions) => resolveModuleOptions(options),
  inject: [ASYNC_JOB_MODULE_OPTIONS],
};

/**
 * The tracker: the one given, an instance of the class given (built by Nest's
 * injector, so it may inject what it needs), or the memory default. With a
 * queue transport, statuses must be shared between processes: the default
 * is then the transport's own (`createTracker`: a `RedisProgressTracker` on
 * BullMQ's Redis, a `PostgresProgressTracker` on PostgreSQL; a transport
 * that makes none needs one given), and a tracker that keeps them in this
 * process fails bootstrap.
 */
export const progressTrackerProvider: Provider = {
  provide: PROGRESS_TRACKER,
  useFactory: async (options: ResolvedModuleOptions, moduleRef: ModuleRef, book: JobBook): Promise<ProgressTracker> => {
    const { tracker, transport } = options;
    if (tracker === undefined) {
      const shared = transport?.createTracker?.();
      if (shared) return shared;
      // A queue transport with no store of its own for statuses: memory would hide other processes' jobs.
      if (transport) throw new InvalidOptionError('tracker', tracker, SHARED_TRACKER + '; this transport makes none of its own, give one');
      // Reads its active jobs from the module's own records: nothing is copied into it while a job runs.
      return new ModuleMemoryTracker(book, { maxRetained: options.maxRetained });
    }
    const instance = typeof tracker === 'function' ? await moduleRef.create(tracker as Type<ProgressTracker>) : tracker;
    if (transport && (instance instanceof MemoryProgressTracker || !isJobStatusStore(instance))) {
      throw new InvalidOptionError(
        'tracker',
        instance,
        SHARED_TRACKER + " with a queue transport; leave it unset for one on the transport's own store (Redis or PostgreSQL)",
      );
    }
    return instance;
  },
  inject: [RESOLVED_OPTIONS, ModuleRef, JobBook],
};
