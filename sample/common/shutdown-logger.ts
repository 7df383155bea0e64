import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';

/** Says when the app has stopped cleanly, so whoever stopped it can tell a clean stop from a crash. */
@Injectable()
export class ShutdownLogger implements OnApplicationShutdown {
  private readonly logger = new Logger('Sample');

  onApplicationShutdown(signal?: string): void {
    this.logger.log(`Stopped cleanly${signal ? ` on ${signal}` : ''}`);
  }
}
