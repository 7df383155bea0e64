import { Test, type TestingModule } from '@nestjs/testing';
import { AsyncJobModule, AsyncJobService, type AsyncJobModuleOptions } from '../../lib/index.js';
import type { Job, JobQueue, QueueKind } from './job-queue.js';

/** The library, bootstrapped as a user's app would import it, driven through its public service. */
export class AsyncJobQueue implements JobQueue {
  private constructor(
    private readonly moduleRef: TestingModule,
    readonly service: AsyncJobService,
  ) {}

  static async open(options: AsyncJobModuleOptions): Promise<AsyncJobQueue> {
    const moduleRef = await Test.createTestingModule({ imports: [AsyncJobModule.forRoot(options)] }).compile();
    await moduleRef.init();
    return new AsyncJobQueue(moduleRef, moduleRef.get(AsyncJobService));
  }

  submit(job: Job): void {
    void this.service.perform(job);
  }

  idle(): Promise<void> {
    return this.service.drain();
  }

  async close(): Promise<void> {
    await this.moduleRef.close();
  }
}

/** The library with `options` (concurrency aside), named `name` in the tables. */
export function asyncJob(
  name: string,
  options: AsyncJobModuleOptions = {},
): QueueKind & { open(concurrency: number): Promise<AsyncJobQueue> } {
  return { name, role: 'ours', open: (concurrency) => AsyncJobQueue.open({ ...options, concurrency }) };
}
