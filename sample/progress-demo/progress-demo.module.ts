import { Module } from '@nestjs/common';
import { ProgressDemoController } from './progress-demo.controller.js';

/** The original's `/start` + `/state` example. */
@Module({ controllers: [ProgressDemoController] })
export class ProgressDemoModule {}
