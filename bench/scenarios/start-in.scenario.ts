import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PgBoss } from 'pg-boss';
import { DataSource, type QueryRunner } from 'typeorm';
import type { Variant } from '../harness/alternate.js';
import type { Profile } from '../harness/profile.js';
import { defineCase, microsSince, type BenchCase, type Scenario } from '../harness/scenario.js';
import type { Figures, MetricSpec } from '../harness/types.js';
import { OURS } from '../queues/variants.js';
import { POSTGRES_URL } from '../services/postgres.js';
import { PrivateSchemas } from '../services/private-schemas.js';
import { StatementCounter } from '../services/statement-counter.js';
import { AsyncJob, AsyncJobModule, AsyncJobService } from '../../lib/index.js';
import { PgBossTransport } from '../../lib/pg-boss/index.js';
import '../../lib/typeorm/index.js';

export const START_IN_CASE_ID = 'start-in-transaction';
const QUEUE = 'asyncjob';
export const PER_TRANSACTION: MetricSpec = {
  key: 'perTransaction',
  label: 'time per transaction (BEGIN, INSERT of a row, enqueue, COMMIT)',
  unit: 'µs',
  better: 'lower',
};
export const STATEMENTS_PER_TRANSACTION: MetricSpec = {
  key: 'statements',
  label: 'statements sent to PostgreSQL per transaction',
  unit: 'statements',
  better: 'lower',
};
export const OURS_START_IN = `${OURS.name}, startIn(trx, …) in the transaction`;
export const RAW_SEND_IN = 'raw pg-boss, send(…, { db }) in the transaction';
export const PLAIN_INSERT = 'the INSERT alone, no job';

@Injectable()
class OrderJobs {
  @AsyncJob('orders.ship')
  ship(order: number): number {
    return order;
  }
}

/** One way to end each transaction: with a job enqueued in it, or none. */
interface EnqueueVariant extends Variant {
  open(schema: string, dataSource: DataSource, alsoDrop: (schema: string) => void): Promise<EnqueueSession>;
}

interface EnqueueSession {
  /** Enqueues job `order` inside the transaction of `queryRunner` (nothing for the baseline). */
  enqueue(queryRunner: QueryRunner, order: number): Promise<unknown>;
  close(): Promise<void>;
}

const plainInsert: EnqueueVariant = {
  name: PLAIN_INSERT,
  role: 'baseline',
  open: () => Promise.resolve({ enqueue: () => Promise.resolve(), close: () => Promise.resolve() }),
};

/** An enqueue-only module (a web process): the jobs are written, and nobody runs them during the run. */
const startIn: EnqueueVariant = {
  name: OURS_START_IN,
  role: 'ours',
  open: async (schema, dataSource, alsoDrop) => {
    alsoDrop(`${schema}_progress`);
    const moduleRef = await Test.createTestingModule({
      imports: [
        AsyncJobModule.forRoot({ dataSource, transport: new PgBossTransport({ dataSource, schema, queueName: QUEUE, worker: false }) }),
      ],
      providers: [OrderJobs],
    }).compile();
    await moduleRef.init();
    const jobs = moduleRef.get(AsyncJobService);
    return {
      enqueue: (queryRunner, order) => jobs.startIn(queryRunner, OrderJobs, 'ship', order),
      close: () => moduleRef.close(),
    };
  },
};

/** pg-boss's own in-transaction send, through a `db` on the same QueryRunner, to the same queue settings. */
const rawSendIn: EnqueueVariant = {
  name: RAW_SEND_IN,
  role: 'baseline',
  open: async (schema) => {
    const boss = new PgBoss({ connectionString: POSTGRES_URL, schema, application_name: 'bench-raw-pg-boss' });
    boss.on('error', (error: Error) => console.error(`raw pg-boss: ${error.message}`));
    await boss.start();
    await boss.createQueue(QUEUE, { retryLimit: 0, notify: true });
    return {
      enqueue: (queryRunner, order) =>
        boss.send(
          QUEUE,
          { job: 'orders.ship', args: [order] },
          {
            retryLimit: 1,
            db: { executeSql: async (text, values) => ({ rows: (await queryRunner.query(text, values, true)).records ?? [] }) },
          },
        ),
      close: () => boss.stop({ graceful: false, timeout: 1000 }),
    };
  },
};

/**
 * `transactions` transactions one after the other on one QueryRunner, each
 * inserting an order row and enqueueing its job (or not), after an untimed
 * warm-up; the table and pg-boss's schema are this run's own.
 */
async function measure(variant: EnqueueVariant, transactions: number, warmup: number): Promise<Figures> {
  const schemas = await PrivateSchemas.open('the start-in scenario');
  const schema = schemas.name(`startin_${variant.role}`);
  const orders = schemas.name('orders');
  const dataSource = new DataSource({ type: 'postgres', url: POSTGRES_URL, poolSize: 4 });
  await dataSource.initialize();
  const counter = StatementCounter.install();
  try {
    await dataSource.query(`CREATE SCHEMA ${orders}`);
    await dataSource.query(`CREATE TABLE ${orders}.orders (id int PRIMARY KEY, total int NOT NULL)`);
    const session = await variant.open(schema, dataSource, (name) => schemas.alsoDrop(name));
    const queryRunner = dataSource.createQueryRunner();
    await queryRunner.connect();
    let next = 0;
    const run = async (count: number): Promise<number> => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < count; i++) {
        const order = next++;
        await queryRunner.startTransaction();
        await queryRunner.query(`INSERT INTO ${orders}.orders (id, total) VALUES ($1, $2)`, [order, 100]);
        await session.enqueue(queryRunner, order);
        await queryRunner.commitTransaction();
      }
      return microsSince(start);
    };
    try {
      await run(warmup);
      counter.reset();
      const micros = await run(transactions);
      return { perTransaction: micros / transactions, statements: counter.read() / transactions };
    } finally {
      await queryRunner.release();
      await session.close();
    }
  } finally {
    await dataSource.destroy();
    await schemas.dropAll();
  }
}

function startInCase(profile: Profile): BenchCase {
  const { transactions, warmup } = profile.startIn;
  return defineCase<EnqueueVariant>({
    id: START_IN_CASE_ID,
    title: `${transactions.toLocaleString('en-US')} transactions one after the other, each inserting a row and enqueueing its job in the same transaction (PostgreSQL on loopback)`,
    rounds: profile.rounds.normal,
    metrics: [PER_TRANSACTION, STATEMENTS_PER_TRANSACTION],
    variants: [startIn, rawSendIn, plainInsert],
    notes: [
      "Ours: startIn(queryRunner, Class, method, order) from an enqueue-only module (worker: false) on the same DataSource, its checks included (an active transaction, a PostgreSQL DataSource, the database of pg-boss checked once per DataSource). Raw: pg-boss send through its db option on the same QueryRunner. Baseline: the INSERT alone: what the enqueue adds to the caller's transaction is the difference.",
      'Statements are counted at node-postgres (Client.prototype.query), every connection of the process; BEGIN and COMMIT count.',
    ],
    measure: (variant) => measure(variant, transactions, warmup),
  });
}

export const startInScenario: Scenario = {
  number: 9,
  title: "Enqueue inside the caller's transaction: startIn against pg-boss's own send({ db }) and a plain INSERT",
  cases: (profile) => [startInCase(profile)],
};
