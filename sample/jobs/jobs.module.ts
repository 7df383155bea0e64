import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MediaJob } from '../media/entities/media-job.entity.js';
import { MediaModule } from '../media/media.module.js';
import { JobEventsController } from './job-events.controller.js';
import { JobFeedService } from './job-feed.service.js';
import { mediaJobEngineProvider } from './media-job-engine.js';
import { MediaJobsController } from './media-jobs.controller.js';
import { MediaJobsService } from './media-jobs.service.js';

/** The job API: start, list, read, cancel, and follow live. */
@Module({
  imports: [MediaModule, TypeOrmModule.forFeature([MediaJob])],
  controllers: [MediaJobsController, JobEventsController],
  providers: [MediaJobsService, JobFeedService, mediaJobEngineProvider],
})
export class JobsModule {}
