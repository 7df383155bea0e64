/**
 * A transaction isolation level, spelled as TypeORM spells it. Which levels a
 * database accepts is up to its driver: SQLite knows only `READ UNCOMMITTED`
 * and `SERIALIZABLE`, `SNAPSHOT` is SQL Server's.
 *
 * @publicApi
 */
export type IsolationLevel = 'READ UNCOMMITTED' | 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE' | 'SNAPSHOT';

/**
 * How a job's database transaction is opened, when the module has a
 * `dataSource`.
 *
 * @publicApi
 */
export interface JobTransactionOptions {
  /**
   * Isolation level of the job's transaction.
   *
   * @default the DataSource's own `isolationLevel` option when it has one,
   * otherwise `READ COMMITTED` on every database that supports it (so a
   * `timedQuery` retry sees rows committed since the previous try, even on
   * MariaDB/MySQL whose server default is `REPEATABLE READ`); SQLite keeps
   * its own behaviour.
   */
  readonly isolation?: IsolationLevel;
}
