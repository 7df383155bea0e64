import { describe, expectTypeOf, it } from 'vitest';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type {
  AsyncJob,
  AsyncJobModule,
  AsyncJobModuleAsyncOptions,
  AsyncJobModuleOptions,
  AsyncJobOptions,
  AsyncJobService,
  AsyncJobTransport,
  AsyncJobTypeOrmTypes,
  Awaitable,
  BackoffOptions,
  FinalJobState,
  JobCancelReason,
  JobCancelledError,
  JobChangeFeed,
  JobStatusStore,
  JobDataSource,
  JobEntityManager,
  JobQueryRunner,
  JobEvent,
  JobEventBase,
  JobEventType,
  JobOptions,
  JobState,
  JobTransactionOptions,
  MemoryProgressTracker,
  MemoryProgressTrackerOptions,
  NoTransactionError,
  NoTransactionReason,
  EnqueueInTransactionReason,
  EnqueueInTransactionError,
  PerformOptions,
  ProgressTracker,
  RunningJob,
  StartOptions,
  TimedQueryOptions,
  TransactionHandle,
  TypeOrmTypesNotImported,
  WaitOptions,
} from 'nestjs-asyncjob';
// TypeORM's types for the signatures below, as a TypeORM app imports them once.
import 'nestjs-asyncjob/typeorm';
import type { RedisProgressTracker, RedisProgressTrackerOptions } from 'nestjs-asyncjob/redis';
import type { PostgresPool, PostgresProgressTracker, PostgresProgressTrackerOptions } from 'nestjs-asyncjob/postgres';
import type {
  BullMqJobSettings,
  BullMqPostgresConnection,
  BullMqRetention,
  BullMqTransport,
  PostgresPool as BullMqPostgresPool,
} from 'nestjs-asyncjob/bullmq';

/**
 * The exported types are the ones the API takes and gives: a user who
 * annotates with them writes exactly what the methods accept. Checked by the
 * type checker (npm run typecheck) and by Vitest's expectTypeOf.
 */
describe('public types describe the API', () => {
  it('options types are what the module, the decorator and the service methods take', () => {
    expectTypeOf<Parameters<typeof AsyncJobModule.forRootAsync>[0]>().toEqualTypeOf<AsyncJobModuleAsyncOptions>();
    expectTypeOf<Parameters<typeof AsyncJob>[0]>().toEqualTypeOf<string | AsyncJobOptions | undefined>();
    expectTypeOf<AsyncJobModuleOptions['defaultJobOptions']>().toEqualTypeOf<JobOptions | undefined>();
    expectTypeOf<JobOptions['backoff']>().toEqualTypeOf<BackoffOptions | undefined>();
    expectTypeOf<JobOptions['transaction']>().toEqualTypeOf<false | JobTransactionOptions | undefined>();
    expectTypeOf<Parameters<AsyncJobService['performWith']>[0]>().toEqualTypeOf<PerformOptions>();
    expectTypeOf<Parameters<AsyncJobService['startWith']>[0]>().toEqualTypeOf<StartOptions>();
    expectTypeOf<Parameters<AsyncJobService['waitFor']>[1]>().toEqualTypeOf<WaitOptions | undefined>();
    expectTypeOf<Parameters<AsyncJobService['timedQuery']>[1]>().toEqualTypeOf<TimedQueryOptions | undefined>();
    expectTypeOf<Parameters<AsyncJobService['performAfterCommit']>[0]>().toEqualTypeOf<TransactionHandle>();
    expectTypeOf<ReturnType<AsyncJobService['currentJob']>>().toEqualTypeOf<RunningJob | undefined>();
  });

  it('tracker and transport types are what their constructors take and what they implement', () => {
    expectTypeOf<ConstructorParameters<typeof MemoryProgressTracker>[0]>().toEqualTypeOf<MemoryProgressTrackerOptions | undefined>();
    expectTypeOf<ConstructorParameters<typeof RedisProgressTracker>[0]>().toEqualTypeOf<RedisProgressTrackerOptions | undefined>();
    expectTypeOf<RedisProgressTracker>().toExtend<ProgressTracker & JobChangeFeed>();
    expectTypeOf<ConstructorParameters<typeof PostgresProgressTracker>[0]>().toEqualTypeOf<PostgresProgressTrackerOptions | undefined>();
    expectTypeOf<PostgresProgressTracker>().toExtend<ProgressTracker & JobStatusStore & JobChangeFeed>();
    expectTypeOf<PostgresProgressTrackerOptions['pool']>().toEqualTypeOf<PostgresPool | undefined>();
    expectTypeOf<ReturnType<ProgressTracker['track']>>().toEqualTypeOf<Awaitable<void>>();
    type TransportOptions = ConstructorParameters<typeof BullMqTransport>[0];
    expectTypeOf<NonNullable<TransportOptions['jobs']>[string]>().toEqualTypeOf<BullMqJobSettings>();
    expectTypeOf<BullMqRetention>().toExtend<NonNullable<TransportOptions['removeOnComplete']>>();
    expectTypeOf<BullMqPostgresConnection>().toExtend<TransportOptions['connection']>();
    // The PostgreSQL connection takes the same pool type as the PostgreSQL tracker.
    expectTypeOf<BullMqPostgresPool>().toEqualTypeOf<PostgresPool>();
    expectTypeOf<PostgresPool>().toExtend<BullMqPostgresConnection['postgres']>();
  });

  it("with nestjs-asyncjob/typeorm imported, the TypeORM types are typeorm's own classes", () => {
    expectTypeOf<JobDataSource>().toEqualTypeOf<DataSource>();
    expectTypeOf<JobEntityManager>().toEqualTypeOf<EntityManager>();
    expectTypeOf<JobQueryRunner>().toEqualTypeOf<QueryRunner>();
    expectTypeOf<AsyncJobTypeOrmTypes['entityManager']>().toEqualTypeOf<EntityManager>();
    expectTypeOf<TransactionHandle>().toEqualTypeOf<QueryRunner | EntityManager>();
    expectTypeOf<ReturnType<AsyncJobService['entityManager']>>().toEqualTypeOf<Promise<EntityManager>>();
    expectTypeOf<AsyncJobModuleOptions['dataSource']>().toEqualTypeOf<DataSource | undefined>();
    // What they read as without it (see the consumer test): a type no TypeORM object fits.
    expectTypeOf<EntityManager>().not.toExtend<TypeOrmTypesNotImported>();
  });

  it('the transport option takes an AsyncJobTransport, which BullMqTransport is', () => {
    expectTypeOf<AsyncJobModuleOptions['transport']>().toEqualTypeOf<AsyncJobTransport | undefined>();
    expectTypeOf<BullMqTransport>().toExtend<AsyncJobTransport>();
  });

  it('state, event and error types name the same values as the API', () => {
    expectTypeOf<Exclude<JobState, FinalJobState>>().toEqualTypeOf<'queued' | 'running'>();
    expectTypeOf<JobEvent['type']>().toEqualTypeOf<JobEventType>();
    expectTypeOf<JobEvent>().toExtend<JobEventBase>();
    expectTypeOf<NoTransactionError['reason']>().toEqualTypeOf<NoTransactionReason>();
    expectTypeOf<EnqueueInTransactionError['reason']>().toEqualTypeOf<EnqueueInTransactionReason>();
    expectTypeOf<JobCancelledError['reason']>().toEqualTypeOf<JobCancelReason>();
  });
});
