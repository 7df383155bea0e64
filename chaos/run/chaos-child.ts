import { FixtureProcess, type RequestArgs } from '../../test/helpers/child-process.js';
import type { ChaosRequest } from '../app/protocol.js';
import { settingsEnv, type ChaosSettings } from '../app/settings.js';

/** How long a request may go unanswered before the driver stops waiting for it. */
const REQUEST_TIMEOUT = 30_000;

/** One process running chaos/app/chaos-process.js: a real child, killed with SIGKILL by the run. */
export class ChaosChild extends FixtureProcess<ChaosRequest> {
  private alive = true;

  private constructor(settings: ChaosSettings) {
    super(
      settings.name,
      FixtureProcess.fork(new URL('../app/chaos-process.js', import.meta.url), { ...settingsEnv(settings), NO_COLOR: '1' }),
    );
    void this.exited.then(() => (this.alive = false));
  }

  /** Starts it and waits for its app to be ready; a process that cannot start is killed and the error thrown. */
  static async start(settings: ChaosSettings): Promise<ChaosChild> {
    const child = new ChaosChild(settings);
    try {
      await child.ready();
    } catch (error) {
      await child.kill();
      throw error;
    }
    return child;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /** `request`, given up after {@link REQUEST_TIMEOUT} (a process that hangs is a finding, not a reason to hang). */
  ask<O extends ChaosRequest['op']>(op: O, args: RequestArgs<ChaosRequest, O>): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not answer ${op} within ${REQUEST_TIMEOUT} ms`)), REQUEST_TIMEOUT);
    });
    return Promise.race([this.request(op, args), timeout]).finally(() => clearTimeout(timer));
  }

  /** Closes its app (shutdown hooks), or kills it if that takes more than 20 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const closed = this.close().catch(() => undefined);
    const timer = setTimeout(() => void this.kill(), 20_000);
    await closed;
    await this.exited;
    clearTimeout(timer);
  }
}
