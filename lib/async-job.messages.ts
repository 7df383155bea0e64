// Every message of the module's errors, in one place: each says what
// happened and, where the caller can do something about it, how to fix it.
import { describeValue } from './utils/describe-value.js';

export const INVALID_OPTION = (option: string, expected: string, value: unknown): string =>
  `Invalid AsyncJob option "${option}": expected ${expected}, got ${describeValue(value)}`;

export const INVALID_ARGUMENT = (call: string, expected: string, value: unknown): string =>
  `${call} expects ${expected}, got ${describeValue(value)}`;

export const NOT_JSON = (what: string, reason: string): string => `${what} must be JSON-serialisable: ${reason}`;

export const NOT_JSON_VALUE = (what: string, key: string, found: string): string =>
  `${what} must be JSON-serialisable, but ${key ? `its key ${JSON.stringify(key)}` : 'it'} holds ${found}`;

export const SHUTTING_DOWN = (): string => 'AsyncJobService is shutting down: no new jobs are accepted';

export const QUEUE_FULL = (maxQueued: number): string =>
  `AsyncJob queue is full: ${maxQueued} jobs are already waiting (option "maxQueued"); the job was not accepted`;

export const NOT_IN_JOB = (call: string): string =>
  `${call} can only be called inside a running job (from the function given to perform, or an @AsyncJob method)`;

export const JOB_NOT_FOUND = (jobId: string): string =>
  `No job with id ${JSON.stringify(jobId)} is known (never created, or its status has expired)`;

export const METHOD_NOT_REGISTERED = (className: string, methodName: string): string =>
  `${className}.${methodName} is not a registered @AsyncJob: decorate the method with @AsyncJob() ` +
  `and list ${className} in the providers of a module of this application`;

export const NAME_NOT_REGISTERED = (jobName: string): string =>
  `No @AsyncJob named "${jobName}" is registered in this worker process: deploy the same job classes to every worker`;

export const DUPLICATE_JOB_NAME = (jobName: string, first: string, second: string): string =>
  `Two @AsyncJob methods use the job name ${JSON.stringify(jobName)}: ${first} and ${second}; give one of them another name`;

export const JOB_TIMEOUT = (jobId: string, timeout: number): string => `Job ${jobId} timed out after ${timeout} ms`;

export const JOB_CANCELLED = (jobId: string, reason: string, detail: string | undefined): string => {
  switch (reason) {
    case 'interrupted':
      return `Job ${jobId} was interrupted by application shutdown`;
    case 'dropped':
      return `Job ${jobId} was dropped: ${detail ?? 'its transaction did not commit'}`;
    default:
      return `Job ${jobId} was cancelled`;
  }
};

export const JOB_FAILED = (jobId: string, name: string, message: string): string => `Job ${jobId} failed: ${name}: ${message}`;

export const WAIT_TIMEOUT = (jobId: string, timeout: number): string => `Job ${jobId} did not finish within ${timeout} ms of waiting`;

export const COMMIT_FAILED = (jobId: string, cause: unknown): string =>
  `Committing the transaction of job ${jobId} failed: ${cause instanceof Error ? cause.message : String(cause)}`;

export const NO_TRANSACTION = {
  'no-data-source': (): string =>
    'no TypeORM DataSource is configured: pass AsyncJobModule.forRoot({ dataSource }), ' +
    'or return { dataSource } from forRootAsync({ inject: [DataSource], useFactory })',
  'outside-job': (): string => 'only a running job has a transaction (call it from the function given to perform, or an @AsyncJob method)',
  disabled: (detail: string): string => `job ${detail} runs with transaction: false`,
  finished: (detail: string): string => `the attempt of job ${detail} is over, so its transaction has ended`,
  inactive: (detail: string): string => `expected a QueryRunner, or a transactional EntityManager, inside an active transaction: ${detail}`,
} as const;

export const TIMED_QUERY_TIMEOUT = (tries: number): string => `timedQuery found nothing after ${tries} ${tries === 1 ? 'try' : 'tries'}`;

export const TRACKER_UNAVAILABLE = (store: string, operation: string, reason: string): string =>
  `Progress tracker unavailable: ${store} could not serve ${operation}: ${reason}`;

export const MISSING_PEER = (packageName: string, feature: string, reason: string): string =>
  `${feature} needs the ${packageName} package (an optional peer dependency of nestjs-asyncjob): ` +
  `install it with "npm install ${packageName}" (${reason})`;

export const TRANSPORT_UNAVAILABLE = (store: string, operation: string, reason: string): string =>
  `Job transport unavailable: ${store} could not serve ${operation}: ${reason}`;

export const TRANSPORT_NOT_STARTED = (): string => 'The BullMQ transport is not started: its module has not been initialised';
