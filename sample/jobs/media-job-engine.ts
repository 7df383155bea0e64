import type { Provider } from '@nestjs/common';
import { AsyncJobService } from 'nestjs-asyncjob';
import type { EntityManager } from 'typeorm';
import type { SampleConfig } from '../config/sample-config.js';
import { SAMPLE_CONFIG } from '../config/sample-config.token.js';
import { MediaProcessor } from '../media/media-processor.service.js';

/**
 * What differs between the two job engines for a media job, chosen once at
 * start-up from JOB_ENGINE ({@link mediaJobEngineProvider}) rather than
 * tested on every request.
 */
export class MediaJobEngine {
  constructor(
    /**
     * Starts processing `mediaId` as part of the transaction of `manager`,
     * which saves the job's row: the row and the job exist together or not
     * at all. Resolves with the job's id.
     */
    readonly start: (manager: EntityManager, mediaId: string) => Promise<string>,
    /** Why a job that is still queued or running could not be cancelled (the 409's message). */
    readonly notCancellable: string,
  ) {}
}

export const mediaJobEngineProvider: Provider = {
  provide: MediaJobEngine,
  inject: [SAMPLE_CONFIG, AsyncJobService],
  useFactory: chooseEngine,
};

/** One typed call either way: 'process' and its argument are checked against MediaProcessor.process. */
function chooseEngine(config: SampleConfig, jobs: AsyncJobService): MediaJobEngine {
  if (config.jobs.engine === 'pg-boss') {
    // pg-boss's row is inserted through the transaction's own connection, so
    // no worker sees the job before the commit; any process can cancel it.
    return new MediaJobEngine(
      (manager, mediaId) => jobs.startIn(manager, MediaProcessor, 'process', mediaId),
      'its worker did not confirm the cancel in time',
    );
  }
  // The job enters this process's queue once the transaction commits; only this process can cancel it.
  return new MediaJobEngine(
    (manager, mediaId) => jobs.startAfterCommit(manager, MediaProcessor, 'process', mediaId),
    'it runs in another instance',
  );
}
