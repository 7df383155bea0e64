import { FixtureProcess } from '../../helpers/child-process.js';
import type { ChildRequest } from '../../fixtures/redis-app/protocol.js';

/** One child process running the fixture Nest app of test/fixtures/postgres-app: a real second process sharing jobs through PostgreSQL. */
export class PostgresChildApp extends FixtureProcess<ChildRequest> {
  /** Starts the fixture with these environment settings and waits until its app is initialised. */
  static async start(name: string, env: Record<string, string>): Promise<PostgresChildApp> {
    const app = new PostgresChildApp(
      name,
      FixtureProcess.fork(new URL('../../fixtures/postgres-app/job-process.ts', import.meta.url), env),
    );
    await app.ready();
    return app;
  }
}
