import { FixtureProcess } from './child-process.js';
import type { ChildRequest } from '../fixtures/tracker-app/protocol.js';

/**
 * One child process running the fixture Nest app of test/fixtures/tracker-app:
 * a real second (or third) process sharing jobs through a shared tracker,
 * Redis or PostgreSQL.
 */
export class TrackerChildApp extends FixtureProcess<ChildRequest> {
  /** Starts the fixture on `tracker` with these environment settings and waits until its app is initialised. */
  static async start(name: string, tracker: 'redis' | 'postgres', env: Record<string, string>): Promise<TrackerChildApp> {
    const app = new TrackerChildApp(
      name,
      FixtureProcess.fork(new URL('../fixtures/tracker-app/job-process.ts', import.meta.url), { ...env, TRACKER: tracker }),
    );
    await app.ready();
    return app;
  }
}
