import { Controller, Get, Header, Inject, Query, Redirect } from '@nestjs/common';
import { AsyncJobService } from 'nestjs-asyncjob';
import { DemoClock } from '../common/demo-clock.js';
import { ParseJobIdPipe } from '../common/parse-job-id.pipe.js';
import type { SampleConfig } from '../config/sample-config.js';
import { SAMPLE_CONFIG } from '../config/sample-config.token.js';

/**
 * tgext.asyncjob's progress-tracking example, line for line: `/start` runs a
 * job that reports 0..4 with a pause between reports and redirects to
 * `/state`, which answers `Not yet started`, the number, or `Job Completed`.
 */
@Controller()
export class ProgressDemoController {
  constructor(
    private readonly jobs: AsyncJobService,
    private readonly clock: DemoClock,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  @Get('start')
  @Redirect()
  async start(): Promise<{ url: string }> {
    const countToFive = async (): Promise<void> => {
      const signal = this.jobs.currentJob()?.signal;
      for (let i = 0; i < 5; i++) {
        await this.jobs.setProgress(i);
        await this.clock.sleep(this.config.progressDemoPauseMs, signal);
      }
    };
    const uid = await this.jobs.performWith({ name: 'progress-demo' }, countToFive);
    return { url: `/state?uid=${encodeURIComponent(uid)}` };
  }

  @Get('state')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async state(@Query('uid', ParseJobIdPipe) uid: string): Promise<string> {
    const state = await this.jobs.getProgress(uid);
    if (!state) return 'Job Completed';
    if (state.value < 0) return 'Not yet started';
    return String(state.value);
  }
}
