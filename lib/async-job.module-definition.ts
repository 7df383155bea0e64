import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AsyncJobModuleOptions } from './interfaces/async-job-module-options.interface.js';

export const {
  ConfigurableModuleClass: ConfigurableAsyncJobModule,
  MODULE_OPTIONS_TOKEN: ASYNC_JOB_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AsyncJobModuleOptions>({ moduleName: 'AsyncJob' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAsyncJobOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/**
 * What `AsyncJobModule.forRoot()` takes: the module options plus `isGlobal`.
 *
 * @publicApi
 */
export type AsyncJobModuleRootOptions = typeof OPTIONS_TYPE;

/**
 * What `AsyncJobModule.forRootAsync()` takes: `imports`, `inject` and one of
 * `useFactory`, `useClass` (a class with `createAsyncJobOptions()`) or
 * `useExisting`, plus `isGlobal`.
 *
 * @publicApi
 */
export type AsyncJobModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
