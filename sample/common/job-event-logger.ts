import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AsyncJobService, type JobEvent } from 'nestjs-asyncjob';

/**
 * The worker process's log of the jobs it runs: one line when a job starts,
 * finishes or goes back to the queue (not one per progress report), so a
 * terminal shows which worker ran a job, and a rerun after a restart. It
 * subscribes before the module starts its workers, so no job is missed.
 */
@Injectable()
export class JobEventLogger implements OnModuleInit {
  private readonly logger = new Logger('Worker');

  constructor(private readonly jobs: AsyncJobService) {}

  onModuleInit(): void {
    // events$ completes at shutdown: nothing to unsubscribe.
    this.jobs.events$.subscribe((event) => {
      if (event.type !== 'progress' && event.type !== 'queued') this.logger.log(describe(event));
    });
  }
}

function describe(event: JobEvent): string {
  const attempt = 'attempt' in event ? ` (attempt ${event.attempt})` : '';
  const error = 'error' in event ? `: ${event.error.message}` : '';
  return `${event.name} ${event.id} ${event.type}${attempt}${error}`;
}
