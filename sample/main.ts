import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { describeSetup, run } from './common/start-up.js';
import { loadSampleConfig } from './config/sample-config.js';

run(async () => {
  const config = loadSampleConfig();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config));
  configureApp(app);
  // SIGINT/SIGTERM close the app: running jobs get their grace period, none vanish silently.
  app.enableShutdownHooks();
  await app.listen(config.port);
  const logger = new Logger('Sample');
  logger.log(describeSetup(config));
  if (config.jobs.engine === 'pg-boss') {
    logger.log('This process only enqueues jobs: run them with `npm run start:worker` (same variables) in another terminal');
  }
  logger.log(`Open http://localhost:${config.port}`);
});
