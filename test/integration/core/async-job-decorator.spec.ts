import { Injectable, Logger, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  AsyncJob,
  AsyncJobModule,
  AsyncJobService,
  DuplicateJobNameError,
  InvalidOptionError,
  JobNotRegisteredError,
  type JobMethodArgs,
  type JobMethodName,
} from 'nestjs-asyncjob';
import { createJobApp, jobAppForTest } from '../../helpers/job-app.js';

@Injectable()
class VideoProcessor {
  readonly transcoded: string[] = [];
  constructor(private readonly jobs: AsyncJobService) {}

  @AsyncJob()
  async transcode(file: string, bitrate: number): Promise<string> {
    for (let step = 1; step <= 2; step++) await this.jobs.setProgress(step * 50, { file });
    this.transcoded.push(file);
    return `${file}@${bitrate}k`;
  }

  @AsyncJob({ name: 'thumbnails', timeout: 20 })
  thumbnails(_file: string): Promise<void> {
    return new Promise(() => undefined);
  }

  @AsyncJob('video.flaky')
  flaky(): number {
    throw new Error('flaky');
  }

  notAJob(): string {
    return 'plain';
  }
}

describe('@AsyncJob', () => {
  afterEach(async () => {
    vi.restoreAllMocks();
  });

  it('starts a decorated method in the background with typed arguments, named ClassName.methodName', async () => {
    const app = await jobAppForTest({}, { providers: [VideoProcessor] });
    const { jobs, moduleRef } = app;
    const id = await jobs.start(VideoProcessor, 'transcode', 'intro.mp4', 800);
    const status = await jobs.waitFor(id);
    expect(status).toMatchObject({
      name: 'VideoProcessor.transcode',
      state: 'completed',
      result: 'intro.mp4@800k',
      progress: { value: 100 },
    });
    // `this` is the provider instance Nest built.
    expect(moduleRef.get(VideoProcessor).transcoded).toEqual(['intro.mp4']);
  });

  it('applies the decorator options (name, timeout) and lets a call override them', async () => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const app = await jobAppForTest({}, { providers: [VideoProcessor] });
    const { jobs } = app;
    const timedOut = await jobs.start(VideoProcessor, 'thumbnails', 'a.mp4');
    expect(await jobs.waitFor(timedOut)).toMatchObject({ name: 'thumbnails', state: 'failed', error: { name: 'JobTimeoutError' } });
    const retried = await jobs.startWith({ attempts: 2, backoff: { delay: 1 } }, VideoProcessor, 'flaky');
    expect(await jobs.waitFor(retried)).toMatchObject({ name: 'video.flaky', state: 'failed', attempts: 2 });
  });

  it('calling the method directly stays an ordinary call', async () => {
    const app = await jobAppForTest({}, { providers: [VideoProcessor] });
    expect(app.moduleRef.get(VideoProcessor).notAJob()).toBe('plain');
    expect(() => app!.moduleRef.get(VideoProcessor).flaky()).toThrow('flaky');
  });

  it('rejects a method that is not a discovered @AsyncJob with JobNotRegisteredError', async () => {
    const app = await jobAppForTest({}, { providers: [VideoProcessor] });
    await expect(app.jobs.start(VideoProcessor, 'notAJob')).rejects.toBeInstanceOf(JobNotRegisteredError);
    @Injectable()
    class NotProvided {
      @AsyncJob()
      run(): void {}
    }
    await expect(app.jobs.start(NotProvided, 'run')).rejects.toThrow(/NotProvided\.run is not a registered @AsyncJob/);
  });

  it('fails bootstrap when two jobs share a name', async () => {
    @Injectable()
    class Other {
      @AsyncJob('thumbnails')
      run(): void {}
    }
    const starting = createJobApp({}, { providers: [VideoProcessor, Other] });
    await expect(starting).rejects.toBeInstanceOf(DuplicateJobNameError);
    await expect(createJobApp({}, { providers: [VideoProcessor, Other] })).rejects.toThrow(
      /"thumbnails": VideoProcessor.thumbnails and Other.run/,
    );
  });

  it('fails bootstrap on bad decorator options', async () => {
    @Injectable()
    class Bad {
      @AsyncJob({ attempts: 0 })
      run(): void {}
    }
    await expect(createJobApp({}, { providers: [Bad] })).rejects.toThrow(InvalidOptionError);
  });

  it('finds jobs of providers in any module, including useFactory providers, once each', async () => {
    @Module({
      providers: [{ provide: 'VIDEO', useFactory: (jobs: AsyncJobService) => new VideoProcessor(jobs), inject: [AsyncJobService] }],
      exports: ['VIDEO'],
    })
    class MediaModule {}
    const app = await jobAppForTest({}, { imports: [MediaModule], providers: [{ provide: 'ALIAS', useExisting: 'VIDEO' }] });
    const id = await app.jobs.start(VideoProcessor, 'transcode', 'b.mp4', 1);
    expect((await app.jobs.waitFor(id)).result).toBe('b.mp4@1k');
  });

  it('warns about and skips request-scoped providers: a job outlives its request', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @AsyncJob()
      run(): void {}
    }
    const moduleRef = await Test.createTestingModule({ imports: [AsyncJobModule.forRoot()], providers: [PerRequest] }).compile();
    await moduleRef.init();
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/PerRequest is request-scoped or transient.*\(run\)/));
    await expect(moduleRef.get(AsyncJobService).start(PerRequest, 'run')).rejects.toBeInstanceOf(JobNotRegisteredError);
    await moduleRef.close();
  });

  it('types start() against the method: names and arguments are checked at compile time', () => {
    expectTypeOf<JobMethodName<VideoProcessor>>().toEqualTypeOf<'transcode' | 'thumbnails' | 'flaky' | 'notAJob'>();
    expectTypeOf<JobMethodArgs<VideoProcessor, 'transcode'>>().toEqualTypeOf<[file: string, bitrate: number]>();
    // Never executed: these lines exist for the type checker (npm run typecheck), which fails if any of them compiles.
    const typeOnly = (jobs: AsyncJobService): void => {
      // @ts-expect-error a number where the method takes a string
      void jobs.start(VideoProcessor, 'transcode', 42, 800);
      // @ts-expect-error a missing argument
      void jobs.start(VideoProcessor, 'transcode', 'a.mp4');
      // @ts-expect-error a method that does not exist
      void jobs.start(VideoProcessor, 'transcodes', 'a.mp4', 1);
      // @ts-expect-error a property that is not a method
      void jobs.start(VideoProcessor, 'transcoded');
      void jobs.start(VideoProcessor, 'transcode', 'a.mp4', 800);
    };
    expect(typeof typeOnly).toBe('function');
  });
});
