import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { loadSampleConfig, redact } from './config/sample-config.js';

async function bootstrap(): Promise<void> {
  const config = loadSampleConfig();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config));
  configureApp(app);
  // SIGINT/SIGTERM close the app: running jobs get their grace period, none vanish silently.
  app.enableShutdownHooks();
  await app.listen(config.port);
  const database = config.database.type === 'sqlite' ? `SQLite ${config.database.path}` : `PostgreSQL ${redact(config.database.url)}`;
  const tracker = config.redisUrl ? `Redis ${redact(config.redisUrl)}` : 'in memory';
  const logger = new Logger('Sample');
  logger.log(`Database: ${database}; progress tracker: ${tracker}`);
  logger.log(`Open http://localhost:${config.port}`);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
