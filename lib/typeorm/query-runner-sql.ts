import type { QueryRunner } from 'typeorm';
import type { TransactionSql } from '../transport/transaction-sql.js';

/** SQL through `queryRunner`, so it runs inside whatever transaction the QueryRunner has open. */
export function queryRunnerSql(queryRunner: QueryRunner): TransactionSql {
  return {
    query: async <Row>(text: string, values: readonly unknown[]) =>
      ((await queryRunner.query(text, [...values], true)).records ?? []) as Row[],
  };
}
