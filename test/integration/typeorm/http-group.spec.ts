import { BadRequestException, Body, Controller, Get, Injectable, Logger, Module, Param, Post, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AsyncJob, AsyncJobModule, AsyncJobService, type JobEvent } from 'nestjs-asyncjob';
import { DATABASES, databasePlace, defineEntities, dropTables, openDataSource } from './databases.js';

interface CreateGroup {
  readonly name: string;
  /** How the job is started: enqueued at once and polling with timedQuery, or enqueued after the commit. */
  readonly mode: 'timed-query' | 'after-commit';
  /** Fail the request after enqueueing, so its transaction rolls back. */
  readonly fail?: boolean;
}

/**
 * tgext.asyncjob's README example, end to end through HTTP, with
 * @nestjs/typeorm providing the DataSource to AsyncJobModule.forRootAsync.
 */
describe.each(DATABASES)('the Group example through HTTP on $name', (db) => {
  const entities = defineEntities('http');
  const place = databasePlace(db);
  let app: INestApplication | undefined;
  let observer: DataSource | undefined;

  @Injectable()
  class GroupJobs {
    runs = 0;

    constructor(private readonly jobs: AsyncJobService) {}

    /** The original's `async_query_action`: find the group the request created, then rename it. */
    @AsyncJob()
    async renameWhenFound(groupId: number): Promise<string> {
      this.runs++;
      const manager = await this.jobs.entityManager();
      const group = await this.jobs.timedQuery(() => manager.findOneBy(entities.Group, { id: groupId }), {
        initialDelay: 0,
        interval: 20,
        retries: 1000,
        throwOnTimeout: true,
      });
      group.displayName = 'Prova';
      await manager.save(group);
      return group.displayName;
    }

    /** The same once the commit is certain: no polling. */
    @AsyncJob()
    async rename(groupId: number): Promise<string> {
      this.runs++;
      const manager = await this.jobs.entityManager();
      const group = await manager.findOneByOrFail(entities.Group, { id: groupId });
      group.displayName = 'Prova';
      await manager.save(group);
      return group.displayName;
    }
  }

  @Controller('groups')
  class GroupsController {
    constructor(
      private readonly dataSource: DataSource,
      private readonly jobs: AsyncJobService,
    ) {}

    @Post()
    async create(@Body() body: CreateGroup): Promise<{ groupId: number; jobId: string }> {
      const queryRunner = this.dataSource.createQueryRunner();
      await queryRunner.connect();
      await queryRunner.startTransaction();
      try {
        const group = await queryRunner.manager.save(entities.Group, { groupName: body.name, displayName: body.name });
        const jobId =
          body.mode === 'timed-query'
            ? await this.jobs.start(GroupJobs, 'renameWhenFound', group.id)
            : await this.jobs.startAfterCommit(queryRunner, GroupJobs, 'rename', group.id);
        if (body.fail) throw new BadRequestException(`group ${body.name} is refused`);
        await queryRunner.commitTransaction();
        return { groupId: group.id, jobId };
      } catch (error) {
        await queryRunner.rollbackTransaction();
        throw error;
      } finally {
        await queryRunner.release();
      }
    }

    @Get('jobs/:id')
    async job(@Param('id') id: string): Promise<unknown> {
      return { progress: await this.jobs.getProgress(id), status: await this.jobs.getStatus(id) };
    }
  }

  @Module({
    imports: [
      TypeOrmModule.forRoot({
        ...db.options(place.place),
        entities: [...entities.all],
        synchronize: true,
        logging: false,
        retryAttempts: 0,
      } as TypeOrmModuleOptions),
      AsyncJobModule.forRootAsync({
        inject: [DataSource],
        useFactory: (dataSource: DataSource) => ({ dataSource, concurrency: 2 }),
      }),
    ],
    controllers: [GroupsController],
    providers: [GroupJobs],
  })
  class AppModule {}

  beforeAll(async () => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.init();
    } catch (error) {
      throw new Error(`${db.label} is unreachable or refused the test setup: ${(error as Error).message}`, { cause: error });
    }
    observer = await openDataSource(db, place.place, entities);
  });

  afterAll(async () => {
    try {
      await dropTables(app?.get(DataSource), entities);
    } finally {
      await app?.close();
      if (observer?.isInitialized) await observer.destroy();
      place.remove();
      vi.restoreAllMocks();
    }
  });

  const http = () => request(app!.getHttpServer());
  const displayNameOf = async (groupName: string): Promise<string | undefined> =>
    (await observer!.getRepository(entities.Group).findOneBy({ groupName }))?.displayName;

  it('timedQuery: the request enqueues, then commits its Group; the job finds it, renames it, and the rename is persisted', async () => {
    const { body } = await http().post('/groups').send({ name: 'test_group', mode: 'timed-query' }).expect(201);
    const status = await app!.get(AsyncJobService).waitFor(body.jobId);
    expect(status).toMatchObject({ state: 'completed', name: 'GroupJobs.renameWhenFound', result: 'Prova' });
    expect(await displayNameOf('test_group')).toBe('Prova');
    const { body: job } = await http().get(`/groups/jobs/${body.jobId}`).expect(200);
    expect(job).toMatchObject({ progress: null, status: { state: 'completed' } });
  });

  it('after commit: the job is queued by the commit and renames the Group without polling', async () => {
    const { body } = await http().post('/groups').send({ name: 'committed_group', mode: 'after-commit' }).expect(201);
    expect(await app!.get(AsyncJobService).waitFor(body.jobId)).toMatchObject({
      state: 'completed',
      name: 'GroupJobs.rename',
      result: 'Prova',
    });
    expect(await displayNameOf('committed_group')).toBe('Prova');
  });

  it('a request that rolls back after enqueueing: its job never runs and is recorded cancelled', async () => {
    const jobs = app!.get(AsyncJobService);
    const groupJobs = app!.get(GroupJobs);
    const runsBefore = groupJobs.runs;
    const events: JobEvent[] = [];
    const subscription = jobs.events$.subscribe((event) => events.push(event));
    await http().post('/groups').send({ name: 'refused_group', mode: 'after-commit', fail: true }).expect(400);
    subscription.unsubscribe();
    const queued = events.find((event) => event.type === 'queued');
    expect(queued).toBeDefined();
    // Recorded before the rollback returned, hence before the response.
    expect(await jobs.getStatus(queued!.id)).toMatchObject({
      state: 'cancelled',
      name: 'GroupJobs.rename',
      error: { message: `Job ${queued!.id} was dropped: its transaction rolled back` },
    });
    expect(events.map((event) => event.type)).toEqual(['queued', 'cancelled']);
    await jobs.drain();
    expect(groupJobs.runs).toBe(runsBefore);
    expect(await displayNameOf('refused_group')).toBeUndefined();
  });
});
