import type { Provider, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { PROGRESS_TRACKER } from './async-job.constants.js';
import { RESOLVED_OPTIONS } from './async-job.internal-constants.js';
import { ASYNC_JOB_MODULE_OPTIONS } from './async-job.module-definition.js';
import { resolveModuleOptions, type ResolvedModuleOptions } from './async-job-options.resolver.js';
import type { AsyncJobModuleOptions } from './interfaces/async-job-module-options.interface.js';
import { MemoryProgressTracker } from './progress/memory-progress-tracker.js';
import type { ProgressTracker } from './progress/progress-tracker.interface.js';

/** Validates the options once, at bootstrap, so a bad one fails start-up. */
export const resolvedOptionsProvider: Provider = {
  provide: RESOLVED_OPTIONS,
  useFactory: (options: AsyncJobModuleOptions) => resolveModuleOptions(options),
  inject: [ASYNC_JOB_MODULE_OPTIONS],
};

/**
 * The tracker: the one given, an instance of the class given (built by Nest's
 * injector, so it may inject what it needs), or the memory default.
 */
export const progressTrackerProvider: Provider = {
  provide: PROGRESS_TRACKER,
  useFactory: async (options: ResolvedModuleOptions, moduleRef: ModuleRef): Promise<ProgressTracker> => {
    const { tracker } = options;
    if (tracker === undefined) return new MemoryProgressTracker({ maxRetained: options.maxRetained });
    if (typeof tracker === 'function') return moduleRef.create(tracker as Type<ProgressTracker>);
    return tracker;
  },
  inject: [RESOLVED_OPTIONS, ModuleRef],
};
