export { AsyncJobModule } from './async-job.module.js';
export {
  ASYNC_JOB_MODULE_OPTIONS,
  type AsyncJobModuleAsyncOptions,
  type AsyncJobModuleRootOptions,
} from './async-job.module-definition.js';
export { AsyncJobService } from './service/async-job.service.js';
export { PROGRESS_TRACKER } from './async-job.constants.js';
export { isJobId } from './utils/job-id.js';
export * from './decorators/index.js';
export * from './errors/index.js';
export * from './interfaces/index.js';
export { MemoryProgressTracker, type MemoryProgressTrackerOptions } from './progress/memory-progress-tracker.js';
export type { Awaitable, JobStatusStore, ProgressTracker } from './progress/progress-tracker.interface.js';
export type { JobChangeFeed } from './progress/job-change-feed.interface.js';
