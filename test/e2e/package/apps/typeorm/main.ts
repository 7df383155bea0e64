// The app around the docs' TypeORM examples. PostgreSQL is reached through
// the PG* environment settings, as the docs' TypeOrmModule.forRoot leaves them out.
import 'reflect-metadata';
import { Controller, Get, Module, NotFoundException, Param, Post } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AsyncJobService } from 'nestjs-asyncjob';
import { AppModule } from './app.module.js';
import { GroupJobs } from './group.jobs.js';
import { GroupsController } from './groups.controller.js';
import { LateReader } from './late-reader.js';
import { ReportJobs } from './report.jobs.js';
import { Group } from './support.js';
import { serve } from './serve.js';

@Controller('jobs')
class JobsController {
  constructor(
    private readonly jobs: AsyncJobService,
    private readonly reader: LateReader,
  ) {}

  @Get(':id')
  async status(@Param('id') id: string) {
    const status = await this.jobs.getStatus(id);
    if (!status) throw new NotFoundException(`No job ${id}`);
    return status;
  }

  @Post('read/:groupId')
  async read(@Param('groupId') groupId: string) {
    return { id: await this.jobs.perform(() => this.reader.read(Number(groupId))) };
  }
}

@Module({
  imports: [AppModule, TypeOrmModule.forFeature([Group])],
  controllers: [GroupsController, JobsController],
  providers: [GroupJobs, LateReader, ReportJobs],
})
class RootModule {}

serve(RootModule);
