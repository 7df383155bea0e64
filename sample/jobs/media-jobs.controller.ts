import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ParseJobIdPipe } from '../common/parse-job-id.pipe.js';
import type { JobView } from './job-view.js';
import { MediaJobsService } from './media-jobs.service.js';
import { StartJobPipe, type StartJobBody } from './start-job.pipe.js';

@Controller('api/jobs')
export class MediaJobsController {
  constructor(private readonly mediaJobs: MediaJobsService) {}

  /** Starts processing a media item: 202 with the queued job. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  start(@Body(StartJobPipe) body: StartJobBody): Promise<JobView> {
    return this.mediaJobs.start(body.mediaId);
  }

  @Get()
  recent(): Promise<JobView[]> {
    return this.mediaJobs.recent();
  }

  @Get(':id')
  get(@Param('id', ParseJobIdPipe) id: string): Promise<JobView> {
    return this.mediaJobs.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  cancel(@Param('id', ParseJobIdPipe) id: string): Promise<JobView> {
    return this.mediaJobs.cancel(id);
  }
}
