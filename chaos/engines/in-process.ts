import type { ChaosEngine } from './engine.js';

/**
 * No transport: each worker starts its jobs with `start()` and runs them on
 * the module's own worker. Its queue is its memory, so a SIGKILL loses every
 * job it had queued or running.
 */
export const engine: ChaosEngine = {
  store: 'none',
  sharedQueue: false,
  moduleOptions: () => ({}),
};
