/**
 * The TypeORM types in the service's signatures (`entityManager()`,
 * `queryRunner()`, the `dataSource` option, the caller's transaction of
 * `startAfterCommit`). typeorm is an optional peer dependency, so the
 * package's main types never import it: an app without typeorm compiles with
 * `skipLibCheck: false`. Importing `nestjs-asyncjob/typeorm` once, anywhere
 * in the app, fills this interface in with typeorm's own classes through
 * declaration merging.
 *
 * @publicApi
 */
// oxlint-disable-next-line no-empty-interface -- filled in by declaration merging in nestjs-asyncjob/typeorm
export interface AsyncJobTypeOrmTypes {}

/**
 * What a TypeORM type reads as until `nestjs-asyncjob/typeorm` is imported:
 * a type no TypeORM object fits, whose name says what to do.
 *
 * @publicApi
 */
export interface TypeOrmTypesNotImported {
  readonly importNestjsAsyncjobTypeorm: never;
}

type TypeOrmType<K extends string> = AsyncJobTypeOrmTypes extends { readonly [P in K]: infer T } ? T : TypeOrmTypesNotImported;

/** TypeORM's `DataSource`, once `nestjs-asyncjob/typeorm` is imported. @publicApi */
export type JobDataSource = TypeOrmType<'dataSource'>;
/** TypeORM's `EntityManager`, once `nestjs-asyncjob/typeorm` is imported. @publicApi */
export type JobEntityManager = TypeOrmType<'entityManager'>;
/** TypeORM's `QueryRunner`, once `nestjs-asyncjob/typeorm` is imported. @publicApi */
export type JobQueryRunner = TypeOrmType<'queryRunner'>;
/**
 * What the caller's transaction is given as, to `startAfterCommit` and
 * `performAfterCommit`: its QueryRunner, or the EntityManager bound to it.
 *
 * @publicApi
 */
export type TransactionHandle = JobQueryRunner | JobEntityManager;
