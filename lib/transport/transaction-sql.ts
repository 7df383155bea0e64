/**
 * SQL on the one connection of a transaction someone else holds and ends:
 * the caller's (a job enqueued inside it) or a job's own (its completion
 * recorded inside it). Nothing sent through it commits by itself.
 */
export interface TransactionSql {
  query<Row = Record<string, unknown>>(text: string, values: readonly unknown[]): Promise<Row[]>;
}

/** A caller's open transaction, for an engine that can enqueue inside it. */
export interface CallerTransaction {
  readonly sql: TransactionSql;
  /** What the transaction belongs to (its DataSource): what is learnt about its database is kept per owner. */
  readonly owner: object;
}

/** Records, inside the job's own transaction and before it commits, that the attempt completed with `result`. */
export type CompleteInTransaction = (sql: TransactionSql, result: unknown) => Promise<void>;
