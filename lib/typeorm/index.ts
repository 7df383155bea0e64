/**
 * `nestjs-asyncjob/typeorm`: TypeORM's types for the service's signatures.
 * Import it once in an app that gives the module a `dataSource`:
 *
 * ```ts
 * import 'nestjs-asyncjob/typeorm';
 * ```
 *
 * `entityManager()` is then TypeORM's `EntityManager`, `queryRunner()` its
 * `QueryRunner`, and the `dataSource` option its `DataSource`. It loads no
 * code: typeorm stays an optional peer that only such apps install.
 *
 * @packageDocumentation
 */
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

declare module '../interfaces/typeorm-types.interface.js' {
  interface AsyncJobTypeOrmTypes {
    readonly dataSource: DataSource;
    readonly entityManager: EntityManager;
    readonly queryRunner: QueryRunner;
  }
}
