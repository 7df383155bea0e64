import type { TransactionSql } from '../transport/transaction-sql.js';
import type { BossDatabase } from './boss-database.js';

/** Which database, and which jobs table in it, a connection reaches (the table's oid, `null` when it has none). */
interface TableIdentity {
  readonly database: string;
  readonly table: string | null;
}

const IDENTIFY = 'SELECT current_database() AS database, to_regclass($1)::oid::text AS "table"';

/**
 * Whether a connection other than the transport's own reaches the very
 * table pg-boss keeps its jobs in: the module's DataSource (a job's
 * completion can then be written in the job's transaction), or the
 * DataSource of a caller's transaction (`startIn`). Same database name and
 * same table oid as the transport's own connection sees them.
 */
export class JobsTableCheck {
  private ours: Promise<TableIdentity | undefined> | undefined;
  /** The answer for each owner of a caller's transaction (its DataSource), asked once. */
  private readonly owners = new WeakMap<object, Promise<boolean>>();

  constructor(
    private readonly db: BossDatabase,
    private readonly schema: string,
  ) {}

  /** Whether `sql` reaches pg-boss's jobs table. */
  async reaches(sql: TransactionSql): Promise<boolean> {
    const table = `${this.schema}.job`;
    this.ours ??= this.db.query<TableIdentity>(IDENTIFY, [table]).then(([row]) => row);
    const [theirs] = await sql.query<TableIdentity>(IDENTIFY, [table]);
    const ours = await this.ours;
    return (
      theirs !== undefined && ours !== undefined && ours.table !== null && theirs.database === ours.database && theirs.table === ours.table
    );
  }

  /** {@link reaches}, asked once per `owner` (a failed check, the connection broken, is asked again). */
  reachesFrom(owner: object, sql: TransactionSql): Promise<boolean> {
    let answer = this.owners.get(owner);
    if (answer === undefined) {
      answer = this.reaches(sql);
      this.owners.set(owner, answer);
      answer.catch(() => this.owners.delete(owner));
    }
    return answer;
  }
}
