import type { ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { onTestFinished } from 'vitest';
import { AsyncJobModule, AsyncJobService, type AsyncJobModuleRootOptions } from 'nestjs-asyncjob';

export interface JobApp {
  readonly moduleRef: TestingModule;
  readonly jobs: AsyncJobService;
  close(): Promise<void>;
}

/** A Nest application context with the module, as a user's test would build it; the caller closes it. */
export async function createJobApp(options: AsyncJobModuleRootOptions = {}, metadata: ModuleMetadata = {}): Promise<JobApp> {
  const moduleRef = await Test.createTestingModule({
    ...metadata,
    imports: [AsyncJobModule.forRoot(options), ...(metadata.imports ?? [])],
  }).compile();
  await moduleRef.init();
  let closing: Promise<void> | undefined;
  return { moduleRef, jobs: moduleRef.get(AsyncJobService), close: () => (closing ??= moduleRef.close()) };
}

/**
 * {@link createJobApp} for the test that calls it: closed when that test
 * ends, passed or failed (a test may still close it earlier itself).
 */
export async function jobAppForTest(options: AsyncJobModuleRootOptions = {}, metadata: ModuleMetadata = {}): Promise<JobApp> {
  const app = await createJobApp(options, metadata);
  onTestFinished(() => app.close());
  return app;
}

/** A promise the test settles by hand: the job waits on it instead of sleeping. */
export interface Gate<T = void> {
  readonly promise: Promise<T>;
  open(value: T): void;
  fail(error: unknown): void;
}

export function gate<T = void>(): Gate<T> {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** Resolves once `predicate` holds, checking after each macrotask; fails after `limit` ms with `what`. */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, limit = 10_000): Promise<void> {
  const deadline = Date.now() + limit;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
