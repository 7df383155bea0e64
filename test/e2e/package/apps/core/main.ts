// The app around the docs' examples: one module that serves them over HTTP.
import 'reflect-metadata';
import { Controller, Get, Module, Post } from '@nestjs/common';
import { AsyncJobService } from 'nestjs-asyncjob';
import { AppModule } from './app.module.js';
import { health } from './health.js';
import { MediaService } from './media.service.js';
import { SseController } from './sse.controller.js';
import { StateController } from './state.controller.js';
import { testingExample } from './testing.example.js';
import { ThumbnailsController } from './thumbnails.controller.js';
import { transactionOptions } from './transaction-options.js';
import { serve } from './serve.js';

@Controller('checks')
class ChecksController {
  constructor(private readonly jobs: AsyncJobService) {}

  @Get('health')
  health() {
    return health(this.jobs);
  }

  @Post('transaction-options')
  async transactionOptions() {
    await transactionOptions(this.jobs);
    return { started: true };
  }
}

// AppModule is the Quick start's: AsyncJobModule is global, so the other controllers get the same service.
@Module({
  imports: [AppModule],
  controllers: [StateController, ThumbnailsController, SseController, ChecksController],
  providers: [MediaService],
})
class RootModule {}

serve(RootModule, async () => {
  await testingExample();
  console.log('testing example passed');
});
