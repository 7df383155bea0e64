import * as library from 'nestjs-asyncjob';
import {
  AsyncJobError,
  CommitFailedError,
  DuplicateJobNameError,
  EnqueueInTransactionError,
  InvalidArgumentError,
  InvalidOptionError,
  JobCancelledError,
  JobFailedError,
  JobNotFoundError,
  JobNotRegisteredError,
  JobTimeoutError,
  MissingPeerError,
  NoTransactionError,
  NotInJobError,
  QueueFullError,
  ShuttingDownError,
  TimedQueryTimeoutError,
  TrackerUnavailableError,
  TransportNotStartedError,
  TransportUnavailableError,
  WaitTimeoutError,
  type AsyncJobErrorCode,
} from 'nestjs-asyncjob';
import { describe, expect, it } from 'vitest';
import { jobAppForTest } from '../../helpers/job-app.js';

/** One instance of every error class the package exports, as the module builds them. */
const SAMPLES: Record<string, () => AsyncJobError> = {
  CommitFailedError: () => new CommitFailedError('asyncjob_1', new Error('deferred constraint')),
  DuplicateJobNameError: () => new DuplicateJobNameError('thumbnails', 'A.thumbnails', 'B.thumbnails'),
  EnqueueInTransactionError: () => new EnqueueInTransactionError('other-database', 'startIn', 'pg-boss\'s schema is "asyncjob_boss"'),
  InvalidArgumentError: () =>
    new InvalidArgumentError('setProgress value', 'x', 'setProgress expects its value to be a finite integer, got "x"'),
  InvalidOptionError: () => new InvalidOptionError('concurrency', 0, 'an integer >= 1'),
  JobCancelledError: () => new JobCancelledError('asyncjob_1', 'cancelled'),
  JobFailedError: () => new JobFailedError('asyncjob_1', { name: 'Error', message: 'boom' }),
  JobNotFoundError: () => new JobNotFoundError('asyncjob_1'),
  JobNotRegisteredError: () => JobNotRegisteredError.forMethod('MediaService', 'thumbnails'),
  JobTimeoutError: () => new JobTimeoutError('asyncjob_1', 100),
  MissingPeerError: () => new MissingPeerError('ioredis', 'RedisProgressTracker', new Error("Cannot find module 'ioredis'")),
  NoTransactionError: () => new NoTransactionError('outside-job', 'entityManager'),
  NotInJobError: () => new NotInJobError('setProgress'),
  QueueFullError: () => new QueueFullError(10),
  ShuttingDownError: () => new ShuttingDownError(),
  TimedQueryTimeoutError: () => new TimedQueryTimeoutError(11),
  TrackerUnavailableError: () => new TrackerUnavailableError('Redis at 127.0.0.1:6379 (db 15)', 'getProgress', 'connect ECONNREFUSED'),
  TransportNotStartedError: () => new TransportNotStartedError(),
  TransportUnavailableError: () =>
    new TransportUnavailableError('pg-boss in PostgreSQL (schema asyncjob_boss)', 'start', 'connect ECONNREFUSED 127.0.0.1:5432'),
  WaitTimeoutError: () => new WaitTimeoutError('asyncjob_1', 100),
};

describe('errors', () => {
  it('every exported error class is an AsyncJobError with a code of its own, named after its class', () => {
    const exported = Object.entries(library)
      .filter(([name, value]) => name.endsWith('Error') && typeof value === 'function' && name !== 'AsyncJobError')
      .map(([name]) => name)
      .sort();
    expect(exported).toEqual(Object.keys(SAMPLES).sort());
    const codes = new Set<AsyncJobErrorCode>();
    for (const [name, make] of Object.entries(SAMPLES)) {
      const error = make();
      expect(error, name).toBeInstanceOf(AsyncJobError);
      expect(error.name).toBe(name);
      expect(error.code).toMatch(/^ASYNCJOB_[A-Z_]+$/);
      expect(codes.has(error.code), `${error.code} given twice`).toBe(false);
      codes.add(error.code);
    }
  });

  it('bad arguments are AsyncJobErrors too, so one exception filter on AsyncJobError catches them all', async () => {
    const app = await jobAppForTest();
    const { jobs } = app;
    const untyped = jobs as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['perform without a function', () => untyped.perform!.call(jobs, 'not a function')],
      ['getStatus of a number', () => untyped.getStatus!.call(jobs, 42)],
      ['cancel of undefined', () => untyped.cancel!.call(jobs, undefined)],
      ['timedQuery without a function', () => untyped.timedQuery!.call(jobs, 'SELECT 1')],
      ['performAfterCommit of no transaction', () => untyped.performAfterCommit!.call(jobs, {}, () => undefined)],
    ];
    for (const [what, call] of calls) {
      const error: unknown = await call().then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
      expect(error, what).toBeInstanceOf(AsyncJobError);
      expect((error as AsyncJobError).code, what).toBe('ASYNCJOB_INVALID_ARGUMENT');
    }
  });

  it('a cancel reason is one of three, each with its own message', () => {
    expect(new JobCancelledError('asyncjob_1', 'cancelled').message).toBe('Job asyncjob_1 was cancelled');
    expect(new JobCancelledError('asyncjob_1', 'interrupted').message).toBe('Job asyncjob_1 was interrupted by application shutdown');
    expect(new JobCancelledError('asyncjob_1', 'dropped', 'its transaction rolled back').message).toBe(
      'Job asyncjob_1 was dropped: its transaction rolled back',
    );
  });
});
