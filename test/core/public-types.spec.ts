import { describe, expectTypeOf, it } from 'vitest';
import type {
  AsyncJob,
  AsyncJobModule,
  AsyncJobModuleAsyncOptions,
  AsyncJobModuleOptions,
  AsyncJobOptions,
  AsyncJobService,
  Awaitable,
  BackoffOptions,
  FinalJobState,
  JobChangeFeed,
  JobEvent,
  JobEventType,
  JobOptions,
  JobState,
  JobTransactionOptions,
  MemoryProgressTracker,
  MemoryProgressTrackerOptions,
  NoTransactionError,
  NoTransactionReason,
  PerformOptions,
  ProgressTracker,
  RunningJob,
  StartOptions,
  TimedQueryOptions,
  TransactionHandle,
  WaitOptions,
} from 'nestjs-asyncjob';
import type { RedisProgressTracker, RedisProgressTrackerOptions } from 'nestjs-asyncjob/redis';
import type { BullMqJobSettings, BullMqRetention, BullMqTransport } from 'nestjs-asyncjob/bullmq';

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
    expectTypeOf<ReturnType<ProgressTracker['track']>>().toEqualTypeOf<Awaitable<void>>();
    type TransportOptions = ConstructorParameters<typeof BullMqTransport>[0];
    expectTypeOf<NonNullable<TransportOptions['jobs']>[string]>().toEqualTypeOf<BullMqJobSettings>();
    expectTypeOf<BullMqRetention>().toExtend<NonNullable<TransportOptions['removeOnComplete']>>();
  });

  it('state, event and error types name the same values as the API', () => {
    expectTypeOf<Exclude<JobState, FinalJobState>>().toEqualTypeOf<'queued' | 'running'>();
    expectTypeOf<JobEvent['type']>().toEqualTypeOf<JobEventType>();
    expectTypeOf<NoTransactionError['reason']>().toEqualTypeOf<NoTransactionReason>();
  });
});
