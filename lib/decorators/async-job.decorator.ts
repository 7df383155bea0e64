import { SetMetadata } from '@nestjs/common';
import { ASYNC_JOB_METADATA } from '../async-job.constants.js';
import type { AsyncJobOptions } from '../interfaces/async-job-options.interface.js';

/**
 * Marks a provider method as a named background job. The method stays an
 * ordinary method; start it in the background with
 * `asyncJobService.start(ClassName, 'methodName', ...args)`, which resolves to
 * the job id. Inside it, `setProgress` and the rest work as in `perform`.
 *
 * @param nameOrOptions the job's name (default `ClassName.methodName`), or options.
 *
 * @publicApi
 */
export function AsyncJob(nameOrOptions?: string | AsyncJobOptions): MethodDecorator {
  const options: AsyncJobOptions = typeof nameOrOptions === 'string' ? { name: nameOrOptions } : (nameOrOptions ?? {});
  return SetMetadata(ASYNC_JOB_METADATA, options);
}
