/**
 * BullMQ on its PostgreSQL backend (`createPostgresBackend`): every queue,
 * worker and event reader opens a pool of its own pinned to the schema
 * (workers and event readers also a LISTEN connection), BullMQ's migrations
 * run on first use unless turned off, and cancel requests go over
 * LISTEN/NOTIFY. No Redis is contacted.
 */
import type { PostgresPoolConfig as BullPostgresConfig, Processor, Queue, QueueEvents, Worker } from 'bullmq';
import { InvalidOptionError } from '../errors/invalid-option.error.js';
import type { PostgresProgressTracker } from '../progress/postgres/postgres-progress-tracker.js';
import { trackerBesideEngine } from '../shared/postgres/tracker-beside-engine.js';
import type { ReportError } from '../shared/throttled-error-log.js';
import type { BullMqBackend, WorkerSettings } from './bullmq-backend.interface.js';
import type { PostgresQueues } from './bullmq-options.js';
import { loadBullMq } from './load-bullmq.js';
import { PostgresCancelChannel } from './postgres-cancel-channel.js';

/** {@link BullMqBackend} on PostgreSQL. */
/** How long a worker waits before fetching again after a failed fetch or settle, in ms (found by npm run chaos: see docs/postgres.md). */
const RUN_RETRY_DELAY = 1000;

export class PostgresBackend implements BullMqBackend {
  readonly store = 'PostgreSQL';
  readonly cancels: PostgresCancelChannel;
  /** BullMQ's `connection`: it builds each object's pool from it, and sets every connection's search_path to the schema. */
  private readonly connection: BullPostgresConfig;

  constructor(
    private readonly settings: PostgresQueues,
    report: ReportError,
  ) {
    // Ours also takes a password function (pg does); BullMQ's type names only a string, and passes it to pg as it is.
    this.connection = {
      // Named, so that pg_stat_activity tells the transport's connections apart (BullMQ renames its LISTEN ones after the queue).
      application_name: 'asyncjob:bullmq',
      ...(settings.config as BullPostgresConfig),
      schema: settings.schema,
      migrate: settings.migrate,
    };
    this.cancels = new PostgresCancelChannel(settings.config, `asyncjob_${settings.schema}_cancel`, report);
  }

  // BullMQ types each class by its backend (`Queue<…, PostgresQueueBackend>`); the transport uses only the API every
  // backend implements, which the default (Redis) typing describes.
  openQueue(name: string): Queue {
    const { Queue: PostgresQueue, createPostgresBackend } = loadBullMq();
    return new PostgresQueue(name, { connection: this.connection }, createPostgresBackend) as unknown as Queue;
  }

  openWorker(name: string, processor: Processor, settings: WorkerSettings): Worker {
    const { Worker: PostgresWorker, createPostgresBackend } = loadBullMq();
    // A statement that meets a lost connection fails (ioredis would hold a Redis command and resend it): BullMQ's
    // worker then waits runRetryDelay before it fetches again, 15 s by default, long after PostgreSQL is back.
    const worker = { ...settings, connection: this.connection, runRetryDelay: RUN_RETRY_DELAY };
    return new PostgresWorker(name, processor, worker, createPostgresBackend) as unknown as Worker;
  }

  openQueueEvents(name: string): QueueEvents {
    const { QueueEvents: PostgresEvents, createPostgresBackend } = loadBullMq();
    return new PostgresEvents(name, { connection: this.connection }, createPostgresBackend) as unknown as QueueEvents;
  }

  /** A PostgresProgressTracker on the same database, in `<schema>_progress`; on the app's pool when one was given. */
  createTracker(): PostgresProgressTracker {
    return trackerBesideEngine(this.settings.source, this.settings.schema);
  }

  /**
   * Every queue connected, its schema migrated (or, with `migrate: false`,
   * checked): a newer schema, or a server BullMQ does not support, fails
   * bootstrap with BullMQ's own error; a schema never migrated, with an
   * {@link InvalidOptionError} that says how to fix it.
   */
  async prepare(queues: readonly Queue[]): Promise<void> {
    try {
      await Promise.all(queues.map((queue) => queue.waitUntilReady()));
    } catch (error) {
      if (!(error instanceof loadBullMq().SchemaMigrationRequiredError)) throw error;
      throw new InvalidOptionError(
        'BullMqTransport.connection.migrate',
        this.settings.migrate,
        `true, or BullMQ's migrations run on schema "${this.settings.schema}" before start-up (runMigrations from bullmq): ${error.message}`,
      );
    }
  }
}
