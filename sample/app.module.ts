import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AsyncJobModule } from 'nestjs-asyncjob';
// TypeORM's own types for the module's `dataSource` option and for entityManager() in the jobs.
import 'nestjs-asyncjob/typeorm';
import { DataSource } from 'typeorm';
import { AsyncJobExceptionFilter } from './common/async-job-exception.filter.js';
import { DemoClock } from './common/demo-clock.js';
import { JobEventLogger } from './common/job-event-logger.js';
import { ShutdownLogger } from './common/shutdown-logger.js';
import { asyncJobOptions } from './config/async-job-options.js';
import type { SampleConfig, SampleRole } from './config/sample-config.js';
import { SAMPLE_CONFIG } from './config/sample-config.token.js';
import { databaseOptions } from './database/database.options.js';
import { InfoController } from './info/info.controller.js';
import { JobsModule } from './jobs/jobs.module.js';
import { MediaModule } from './media/media.module.js';
import { ProgressDemoModule } from './progress-demo/progress-demo.module.js';

/**
 * The sample application. Built from a {@link SampleConfig} rather than
 * reading the environment itself, so tests can run it on an in-memory
 * database. The worker process (worker.ts) is the same module with no HTTP
 * server: `role` only decides whether this process runs pg-boss jobs.
 */
@Module({})
export class AppModule {
  static forRoot(config: SampleConfig, role: SampleRole = 'web'): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        TypeOrmModule.forRoot(databaseOptions(config.database)),
        AsyncJobModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => asyncJobOptions(config, dataSource, role),
        }),
        ProgressDemoModule,
        MediaModule,
        JobsModule,
      ],
      controllers: [InfoController],
      providers: [
        { provide: SAMPLE_CONFIG, useValue: config },
        DemoClock,
        ShutdownLogger,
        { provide: APP_FILTER, useClass: AsyncJobExceptionFilter },
        ...(role === 'worker' ? [JobEventLogger] : []),
      ],
      exports: [SAMPLE_CONFIG, DemoClock],
    };
  }
}
