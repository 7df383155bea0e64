// The app around the docs' Redis examples: the ConfigService one runs
// (REDIS_URL from the environment); the others are compiled, not started
// (their host names are the docs' own).
import 'reflect-metadata';
// Once per app, as the TypeORM section says: the BullMQ example passes a DataSource.
import 'nestjs-asyncjob/typeorm';
import { Controller, Get, Module, NotFoundException, Param, Post } from '@nestjs/common';
import { AsyncJobService } from 'nestjs-asyncjob';
import { redisJobs } from './redis-config.js';
import { serve } from './serve.js';

@Controller('jobs')
class JobsController {
  constructor(private readonly jobs: AsyncJobService) {}

  @Post()
  async start() {
    const id = await this.jobs.perform(async () => {
      await this.jobs.setProgress(50, { message: 'half way' });
      return 'done';
    });
    return { id };
  }

  @Get(':id')
  async status(@Param('id') id: string) {
    const status = await this.jobs.getStatus(id);
    if (!status) throw new NotFoundException(`No job ${id}`);
    return status;
  }
}

@Module({ imports: [redisJobs], controllers: [JobsController] })
class RootModule {}

serve(RootModule);
