import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { describeSetup, run } from './common/start-up.js';
import { loadSampleConfig } from './config/sample-config.js';

/** The worker process of pg-boss mode: the same app with no HTTP server, running the jobs queued in PostgreSQL. */
run(async () => {
  const config = loadSampleConfig();
  if (config.jobs.engine !== 'pg-boss') {
    throw new Error(
      'The worker runs jobs queued in PostgreSQL: set JOB_ENGINE=pg-boss and DATABASE_URL=postgres://… ' +
        '(with the default local engine, `npm start` runs its own jobs and needs no worker)',
    );
  }
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, 'worker'));
  // SIGINT/SIGTERM: running jobs get their grace period, then go back to the queue for the next worker.
  app.enableShutdownHooks();
  const logger = new Logger('Worker');
  logger.log(describeSetup(config));
  logger.log(`Running jobs, ${config.concurrency} at once; Ctrl-C stops`);
});
