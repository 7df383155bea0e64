import { Controller, Get, Query, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { AsyncJobModule, AsyncJobService } from 'nestjs-asyncjob';
import { gate, until, type Gate } from '../helpers/job-app.js';

/** The pauses between steps of the seed's job, opened by the test instead of sleeping. */
const pauses: Gate[] = [];

/** tgext.asyncjob's progress example, line for line in Nest. */
@Controller()
class ProgressExampleController {
  constructor(private readonly jobs: AsyncJobService) {}

  @Get('start')
  async start(): Promise<{ uid: string }> {
    const uid = await this.jobs.perform(async () => {
      for (let i = 0; i < 5; i++) {
        await this.jobs.setProgress(i);
        await pauses[i]!.promise;
      }
    });
    return { uid };
  }

  @Get('state')
  async state(@Query('uid') uid: string): Promise<string> {
    const state = await this.jobs.getProgress(uid);
    if (!state) return 'Job Completed';
    if (state.value < 0) return 'Not yet started';
    return String(state.value);
  }
}

describe('the progress example over HTTP (start a job, poll its state)', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('answers Not yet started, then each number, then Job Completed', async () => {
    pauses.splice(0, pauses.length, ...Array.from({ length: 5 }, () => gate()));
    const moduleRef = await Test.createTestingModule({
      imports: [AsyncJobModule.forRoot({ paused: true })],
      controllers: [ProgressExampleController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const jobs = app.get(AsyncJobService);
    const server = app.getHttpServer();

    const { body } = await request(server).get('/start').expect(200);
    const uid = (body as { uid: string }).uid;
    const state = async (): Promise<string> => (await request(server).get('/state').query({ uid })).text;

    expect(await state()).toBe('Not yet started');
    jobs.resume();
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      await until(async () => (await state()) === String(i), `the state shows ${i}`);
      seen.push(await state());
      pauses[i]!.open();
    }
    await jobs.waitFor(uid);
    expect(seen).toEqual(['0', '1', '2', '3', '4']);
    expect(await state()).toBe('Job Completed');
  });
});
