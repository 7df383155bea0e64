import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { PROGRESS_TRACKER } from './async-job.constants.js';
import { AsyncJobExplorer } from './async-job.explorer.js';
import { ConfigurableAsyncJobModule, type AsyncJobModuleRootOptions } from './async-job.module-definition.js';
import { progressTrackerProvider, resolvedOptionsProvider } from './async-job.providers.js';
import { JobRegistry } from './async-job.registry.js';
import { AsyncJobService } from './service/async-job.service.js';
import { JobBook } from './worker/job-book.js';

/**
 * Background jobs with progress tracking.
 *
 * ```ts
 * @Module({ imports: [AsyncJobModule.forRoot({ concurrency: 4 })] })
 * export class AppModule {}
 * ```
 *
 * `forRoot(options)` and `forRootAsync({ imports, inject, useFactory | useClass | useExisting })`
 * register an injectable {@link AsyncJobService}. The module is global unless
 * `isGlobal: false` is given.
 *
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    resolvedOptionsProvider,
    { provide: JobBook, useFactory: () => new JobBook() },
    progressTrackerProvider,
    JobRegistry,
    AsyncJobExplorer,
    AsyncJobService,
  ],
  exports: [AsyncJobService, PROGRESS_TRACKER],
})
export class AsyncJobModule extends ConfigurableAsyncJobModule {
  /** Registers the module; every option has a default, so `forRoot()` alone is enough. */
  static override forRoot(options: AsyncJobModuleRootOptions = {}): DynamicModule {
    return super.forRoot(options);
  }
}
