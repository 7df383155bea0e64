import { FixtureProcess } from '../../helpers/child-process.js';
import type { ChildRequest } from '../../fixtures/redis-app/protocol.js';

/**
 * One child process running the fixture Nest app (test/fixtures/redis-app),
 * a real second (or third) process sharing jobs through Redis.
 */
export class ChildApp extends FixtureProcess<ChildRequest> {
  /** Starts the fixture with these environment settings and waits until its app is initialised. */
  static async start(name: string, env: Record<string, string>): Promise<ChildApp> {
    const app = new ChildApp(name, FixtureProcess.fork(new URL('../../fixtures/redis-app/job-process.ts', import.meta.url), env));
    await app.ready();
    return app;
  }
}
