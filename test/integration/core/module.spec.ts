import { Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ASYNC_JOB_MODULE_OPTIONS,
  AsyncJobModule,
  AsyncJobService,
  InvalidOptionError,
  MemoryProgressTracker,
  PROGRESS_TRACKER,
  type AsyncJobModuleOptions,
  type AsyncJobOptionsFactory,
  type JobProgress,
  type ProgressTracker,
} from 'nestjs-asyncjob';

/** A custom tracker built by Nest's injector: it receives the module options. */
@Injectable()
class InjectedTracker implements ProgressTracker, OnApplicationShutdown {
  readonly inner = new MemoryProgressTracker();
  closed = false;
  constructor(@Inject(ASYNC_JOB_MODULE_OPTIONS) readonly options: AsyncJobModuleOptions) {}
  track(id: string): void {
    this.inner.track(id);
  }
  remove(id: string): void {
    this.inner.remove(id);
  }
  setProgress(id: string, value: number, data: unknown): void {
    this.inner.setProgress(id, value, data);
  }
  getProgress(id: string): JobProgress | null {
    return this.inner.getProgress(id);
  }
  onApplicationShutdown(): void {
    this.closed = true;
  }
}

@Injectable()
class JobsConfig implements AsyncJobOptionsFactory {
  createAsyncJobOptions(): AsyncJobModuleOptions {
    return { concurrency: 3 };
  }
}

@Module({ providers: [JobsConfig], exports: [JobsConfig] })
class ConfigModule {}

@Injectable()
class FeatureService {
  constructor(readonly jobs: AsyncJobService) {}
}

@Module({ providers: [FeatureService] })
class FeatureModule {}

/** Queues a job on a paused worker and tells whether `tracker` recorded it as tracked. */
async function tracksQueuedJob(moduleRef: TestingModule, tracker: Pick<ProgressTracker, 'getProgress'>): Promise<boolean> {
  await moduleRef.init();
  const jobs = moduleRef.get(AsyncJobService);
  jobs.pause();
  const id = await jobs.perform(() => undefined);
  const progress = await tracker.getProgress(id);
  jobs.resume();
  await moduleRef.close();
  return progress?.value === -1 && progress.data === null;
}

async function runOne(jobs: AsyncJobService): Promise<void> {
  const id = await jobs.perform(() => 'ok');
  expect((await jobs.waitFor(id)).result).toBe('ok');
}

describe('AsyncJobModule', () => {
  afterEach(() => vi.restoreAllMocks());

  it('forRoot() works with no options and is global: a feature module injects the service without importing it', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AsyncJobModule.forRoot(), FeatureModule] }).compile();
    await moduleRef.init();
    const feature = moduleRef.get(FeatureService);
    expect(feature.jobs).toBe(moduleRef.get(AsyncJobService));
    await runOne(feature.jobs);
    await moduleRef.close();
  });

  it('is not global with isGlobal: false', async () => {
    expect(AsyncJobModule.forRoot({ isGlobal: false }).global).toBe(false);
    expect(AsyncJobModule.forRoot().global).toBe(true);
    const compiling = Test.createTestingModule({ imports: [AsyncJobModule.forRoot({ isGlobal: false }), FeatureModule] }).compile();
    await expect(compiling).rejects.toThrow(/FeatureService/);
  });

  it('forRootAsync with useFactory and inject', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AsyncJobModule.forRootAsync({
          imports: [ConfigModule],
          inject: [JobsConfig],
          useFactory: async (config: JobsConfig) => ({ ...config.createAsyncJobOptions(), retention: 5 }),
        }),
      ],
    }).compile();
    await moduleRef.init();
    expect(moduleRef.get(ASYNC_JOB_MODULE_OPTIONS)).toEqual({ concurrency: 3, retention: 5 });
    await runOne(moduleRef.get(AsyncJobService));
    await moduleRef.close();
  });

  it('forRootAsync with useClass', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AsyncJobModule.forRootAsync({ useClass: JobsConfig })] }).compile();
    await moduleRef.init();
    expect(moduleRef.get(ASYNC_JOB_MODULE_OPTIONS)).toEqual({ concurrency: 3 });
    await runOne(moduleRef.get(AsyncJobService));
    await moduleRef.close();
  });

  it('forRootAsync with useExisting', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AsyncJobModule.forRootAsync({ imports: [ConfigModule], useExisting: JobsConfig })],
    }).compile();
    await moduleRef.init();
    expect(moduleRef.get(ASYNC_JOB_MODULE_OPTIONS)).toEqual({ concurrency: 3 });
    await runOne(moduleRef.get(AsyncJobService));
    await moduleRef.close();
  });

  it.each<[string, AsyncJobModuleOptions, RegExp]>([
    ['concurrency 0', { concurrency: 0 }, /"concurrency": expected an integer >= 1, got 0/],
    ['concurrency 1.5', { concurrency: 1.5 }, /"concurrency": expected an integer >= 1, got 1.5/],
    ['a string concurrency', { concurrency: '4' as unknown as number }, /"concurrency".*got "4"/],
    ['negative retention', { retention: -1 }, /"retention": expected a finite number of milliseconds >= 0, got -1/],
    ['infinite shutdownTimeout', { shutdownTimeout: Infinity }, /"shutdownTimeout".*got Infinity/],
    ['maxQueued 0', { maxQueued: 0 }, /"maxQueued": expected an integer >= 1, got 0/],
    ['a tracker without methods', { tracker: { track() {} } as unknown as ProgressTracker }, /"tracker": expected a ProgressTracker/],
    ['a misspelt option', { concurency: 4 } as AsyncJobModuleOptions, /"concurency": expected one of the known options/],
    ['a bad default backoff', { defaultJobOptions: { backoff: { factor: 0.5 } } }, /"defaultJobOptions.backoff.factor".*got 0.5/],
  ])('fails bootstrap on %s with an InvalidOptionError naming the option and value', async (_label, options, message) => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const compiling = Test.createTestingModule({ imports: [AsyncJobModule.forRoot(options)] }).compile();
    await expect(compiling).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(Test.createTestingModule({ imports: [AsyncJobModule.forRoot(options)] }).compile()).rejects.toThrow(message);
  });

  it('validates options from forRootAsync too', async () => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const compiling = Test.createTestingModule({
      imports: [AsyncJobModule.forRootAsync({ useFactory: () => ({ concurrency: -2 }) })],
    }).compile();
    await expect(compiling).rejects.toThrow(/"concurrency".*got -2/);
  });

  it('uses a tracker instance given in the options, exposed under PROGRESS_TRACKER', async () => {
    const tracker = new MemoryProgressTracker();
    const moduleRef = await Test.createTestingModule({ imports: [AsyncJobModule.forRoot({ tracker })] }).compile();
    expect(moduleRef.get(PROGRESS_TRACKER)).toBe(tracker);
    expect(await tracksQueuedJob(moduleRef, tracker)).toBe(true);
  });

  it('builds a tracker class through the injector and calls its shutdown hook', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AsyncJobModule.forRoot({ tracker: InjectedTracker, concurrency: 2 })],
    }).compile();
    const tracker = moduleRef.get<InjectedTracker>(PROGRESS_TRACKER);
    expect(tracker).toBeInstanceOf(InjectedTracker);
    expect(tracker.options).toMatchObject({ concurrency: 2 });
    expect(await tracksQueuedJob(moduleRef, tracker.inner)).toBe(true);
    expect(tracker.closed).toBe(true);
  });

  it('lets a test override the PROGRESS_TRACKER token', async () => {
    const tracker = new MemoryProgressTracker();
    const moduleRef = await Test.createTestingModule({ imports: [AsyncJobModule.forRoot()] })
      .overrideProvider(PROGRESS_TRACKER)
      .useValue(tracker)
      .compile();
    expect(await tracksQueuedJob(moduleRef, tracker)).toBe(true);
  });

  it('keeps two applications in one process apart: no shared state', async () => {
    const a = await Test.createTestingModule({ imports: [AsyncJobModule.forRoot()] }).compile();
    const b = await Test.createTestingModule({ imports: [AsyncJobModule.forRoot()] }).compile();
    await Promise.all([a.init(), b.init()]);
    const jobsA = a.get(AsyncJobService);
    const jobsB = b.get(AsyncJobService);
    const id = await jobsA.perform(() => jobsB.currentJobId() ?? 'not a job of B');
    expect((await jobsA.waitFor(id)).result).toBe('not a job of B');
    expect(await jobsB.getStatus(id)).toBeNull();
    await Promise.all([a.close(), b.close()]);
  });
});
