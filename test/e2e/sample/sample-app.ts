import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AsyncJobService } from 'nestjs-asyncjob';
import { DataSource } from 'typeorm';
import { AppModule } from '../../../sample/app.module.js';
import { configureApp } from '../../../sample/app.setup.js';
import { DemoClock } from '../../../sample/common/demo-clock.js';
import type { SampleConfig } from '../../../sample/config/sample-config.js';

export interface RunningSample {
  readonly app: NestExpressApplication;
  readonly jobs: AsyncJobService;
  readonly dataSource: DataSource;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The sample as main.ts builds it (same module, same setup), on an in-memory
 * SQLite database unless `config` says otherwise, listening on a free
 * loopback port, with `clock` in place of the real pauses.
 */
export async function startSample(options: { clock?: DemoClock; config?: Partial<SampleConfig> } = {}): Promise<RunningSample> {
  const config: SampleConfig = {
    port: 0,
    database: { type: 'sqlite', path: ':memory:' },
    jobs: { engine: 'local' },
    concurrency: 2,
    stepMs: 0,
    progressDemoPauseMs: 0,
    ...options.config,
  };
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config)] });
  if (options.clock) builder = builder.overrideProvider(DemoClock).useValue(options.clock);
  const moduleRef = await builder.compile();
  const app = configureApp(moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error', 'warn'] }));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    jobs: app.get(AsyncJobService),
    dataSource: app.get(DataSource),
    url: `http://127.0.0.1:${port}`,
    close: () => app.close(),
  };
}
