import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Column,
  DataSource,
  Entity,
  PrimaryGeneratedColumn,
  type DataSourceOptions,
  type EntitySubscriberInterface,
  type QueryRunner,
} from 'typeorm';
import type { IsolationLevel } from 'nestjs-asyncjob';
import { afterAll, beforeAll } from 'vitest';

/**
 * The databases every TypeORM spec runs against: the real services on this
 * machine, never mocks. A database that cannot be reached fails the suite
 * with a message naming it; nothing is skipped.
 */
export interface TestDatabase {
  readonly name: 'postgres' | 'mariadb' | 'sqlite';
  /** Names the service in failure messages. */
  readonly label: string;
  /** TypeORM gives every caller one shared connection and QueryRunner (SQLite). */
  readonly sharedConnection: boolean;
  /** The isolation level a job's transaction gets by default, and another one the driver accepts. */
  readonly defaultIsolation: IsolationLevel;
  readonly otherIsolation: IsolationLevel;
  /** DataSource options for a database `place` (a file for SQLite), without entities. */
  options(place: string, poolSize?: number): DataSourceOptions;
  /** Connections checked out of the pool now, and callers waiting for one. */
  poolUsage(dataSource: DataSource): { readonly checkedOut: number; readonly waiting: number };
  /**
   * The isolation level of the transaction open on `queryRunner`, found by
   * asking the database or, where it cannot say, by behaviour: whether a row
   * `observer` commits into `table` meanwhile becomes visible.
   */
  isolationOf(queryRunner: QueryRunner, table: string, observer: DataSource): Promise<string>;
}

const postgres: TestDatabase = {
  name: 'postgres',
  label: 'PostgreSQL at 127.0.0.1:5432 (user postgres, database test)',
  sharedConnection: false,
  defaultIsolation: 'READ COMMITTED',
  otherIsolation: 'SERIALIZABLE',
  options: (_place, poolSize) => ({
    type: 'postgres',
    host: '127.0.0.1',
    port: 5432,
    username: 'postgres',
    database: 'test',
    connectTimeoutMS: 5000,
    ...(poolSize === undefined ? {} : { poolSize }),
  }),
  poolUsage: (dataSource) => {
    const pool = (dataSource.driver as unknown as { master: { totalCount: number; idleCount: number; waitingCount: number } }).master;
    return { checkedOut: pool.totalCount - pool.idleCount, waiting: pool.waitingCount };
  },
  isolationOf: async (queryRunner) => {
    const rows = (await queryRunner.query('SHOW transaction_isolation')) as Array<{ transaction_isolation: string }>;
    return rows[0]!.transaction_isolation.toUpperCase();
  },
};

const mariadb: TestDatabase = {
  name: 'mariadb',
  label: 'MariaDB at 127.0.0.1:3306 (user root, database test)',
  sharedConnection: false,
  defaultIsolation: 'READ COMMITTED',
  // SERIALIZABLE would make the probe's reads lock the table against its writer.
  otherIsolation: 'REPEATABLE READ',
  options: (_place, poolSize) => ({
    type: 'mariadb',
    connectorPackage: 'mysql2',
    host: '127.0.0.1',
    port: 3306,
    username: 'root',
    password: '',
    database: 'test',
    connectTimeout: 5000,
    ...(poolSize === undefined ? {} : { poolSize }),
  }),
  poolUsage: (dataSource) => {
    const pool = (
      dataSource.driver as unknown as {
        pool: { _allConnections: { length: number }; _freeConnections: { length: number }; _connectionQueue: { length: number } };
      }
    ).pool;
    return { checkedOut: pool._allConnections.length - pool._freeConnections.length, waiting: pool._connectionQueue.length };
  },
  // MariaDB cannot name the level of the running transaction (innodb_trx is a cache refreshed every 0.1 s).
  isolationOf: async (queryRunner, table, observer) => {
    const count = async (): Promise<number> =>
      Number(((await queryRunner.query(`SELECT COUNT(*) AS n FROM \`${table}\``)) as Array<{ n: number | string }>)[0]!.n);
    const before = await count();
    await observer.query(`INSERT INTO \`${table}\` (job, tag) VALUES ('isolation probe', 'probe')`);
    return (await count()) > before ? 'READ COMMITTED' : 'REPEATABLE READ';
  },
};

const sqlite: TestDatabase = {
  name: 'sqlite',
  label: 'SQLite (better-sqlite3) in a temporary file',
  sharedConnection: true,
  defaultIsolation: 'SERIALIZABLE',
  otherIsolation: 'READ UNCOMMITTED',
  options: (place) => ({ type: 'better-sqlite3', database: place }),
  poolUsage: (dataSource) => ({ checkedOut: dataSource.driver.createQueryRunner('master').isTransactionActive ? 1 : 0, waiting: 0 }),
  isolationOf: async (queryRunner) => {
    const rows = (await queryRunner.query('PRAGMA read_uncommitted')) as Array<{ read_uncommitted: number }>;
    return rows[0]!.read_uncommitted ? 'READ UNCOMMITTED' : 'SERIALIZABLE';
  },
};

export const DATABASES: readonly TestDatabase[] = [postgres, mariadb, sqlite];
/** The databases with a connection pool and real concurrent transactions. */
export const SERVER_DATABASES: readonly TestDatabase[] = [postgres, mariadb];

/** The entities of one spec run, on tables of their own. */
export interface TestEntities {
  readonly prefix: string;
  readonly Group: new () => GroupRow;
  readonly Row: new () => WriteRow;
  readonly all: readonly Function[];
  readonly tables: readonly string[];
}

/** tgext.asyncjob's README example entity. */
export interface GroupRow {
  id: number;
  groupName: string;
  displayName: string;
}

/** One write made by a job: which job, and a tag the test chooses. */
export interface WriteRow {
  id: number;
  job: string;
  tag: string;
}

/** Entity classes on tables named for this run, so runs and databases never share a table. */
export function defineEntities(spec: string): TestEntities {
  const prefix = `aj_${spec}_${randomBytes(3).toString('hex')}`;

  @Entity({ name: `${prefix}_group` })
  class Group implements GroupRow {
    @PrimaryGeneratedColumn()
    id!: number;

    @Column({ type: 'varchar', length: 100 })
    groupName!: string;

    @Column({ type: 'varchar', length: 100 })
    displayName!: string;
  }

  @Entity({ name: `${prefix}_write` })
  class Row implements WriteRow {
    @PrimaryGeneratedColumn()
    id!: number;

    @Column({ type: 'varchar', length: 80 })
    job!: string;

    @Column({ type: 'varchar', length: 40 })
    tag!: string;
  }

  return { prefix, Group, Row, all: [Group, Row], tables: [`${prefix}_group`, `${prefix}_write`] };
}

/** A place for one spec's database: a temporary file for SQLite, nothing for the servers. */
export function databasePlace(db: TestDatabase): { readonly place: string; remove(): void } {
  if (db.name !== 'sqlite') return { place: '', remove: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'asyncjob-typeorm-'));
  return { place: join(dir, 'test.sqlite'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An initialized DataSource, or a failure naming the database: a test never
 * skips because a service is missing.
 */
export async function openDataSource(
  db: TestDatabase,
  place: string,
  entities: TestEntities,
  extra: { poolSize?: number; subscribers?: EntitySubscriberInterface[]; synchronize?: boolean } = {},
): Promise<DataSource> {
  const dataSource = new DataSource({
    ...db.options(place, extra.poolSize),
    entities: [...entities.all],
    synchronize: extra.synchronize ?? false,
    logging: false,
  } as DataSourceOptions);
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new Error(`${db.label} is unreachable or refused the test setup: ${(error as Error).message}`, { cause: error });
  }
  // Instances, which the subscribers option does not take (it wants classes).
  dataSource.subscribers.push(...(extra.subscribers ?? []));
  return dataSource;
}

/** Drops the spec's tables and closes the DataSource. */
export async function dropTables(dataSource: DataSource | undefined, entities: TestEntities): Promise<void> {
  if (!dataSource?.isInitialized) return;
  const queryRunner = dataSource.createQueryRunner();
  try {
    for (const table of entities.tables) await queryRunner.dropTable(table, true);
  } finally {
    await queryRunner.release();
  }
}

/** The tags of the rows a given job wrote, read through `dataSource` (another connection than the jobs'). */
export async function tagsOf(dataSource: DataSource, entities: TestEntities, job?: string): Promise<string[]> {
  const rows = await dataSource.getRepository(entities.Row).find({ where: job === undefined ? {} : { job }, order: { id: 'ASC' } });
  return rows.map((row) => row.tag);
}

/** What a spec's `describe` block shares: the jobs' DataSource, and an observer on other connections. */
export interface DatabaseFixture {
  readonly db: TestDatabase;
  readonly entities: TestEntities;
  /** The DataSource given to the module; it created the tables. */
  readonly dataSource: DataSource;
  /** A second DataSource on the same database: its own pool (SQLite: its own connection to the file). */
  readonly observer: DataSource;
}

/**
 * Opens the spec's DataSources in `beforeAll` and drops its tables and
 * closes everything in `afterAll`.
 */
export function useDatabase(
  db: TestDatabase,
  spec: string,
  extra: { poolSize?: number; subscribers?: EntitySubscriberInterface[] } = {},
): DatabaseFixture {
  const entities = defineEntities(spec);
  const place = databasePlace(db);
  let dataSource: DataSource | undefined;
  let observer: DataSource | undefined;
  beforeAll(async () => {
    dataSource = await openDataSource(db, place.place, entities, { ...extra, synchronize: true });
    observer = await openDataSource(db, place.place, entities);
  });
  afterAll(async () => {
    try {
      await dropTables(dataSource, entities);
    } finally {
      if (dataSource?.isInitialized) await dataSource.destroy();
      if (observer?.isInitialized) await observer.destroy();
      place.remove();
    }
  });
  return {
    db,
    entities,
    get dataSource() {
      if (!dataSource) throw new Error(`${db.label}: the DataSource is not open (did beforeAll fail?)`);
      return dataSource;
    },
    get observer() {
      if (!observer) throw new Error(`${db.label}: the observer DataSource is not open (did beforeAll fail?)`);
      return observer;
    },
  };
}
