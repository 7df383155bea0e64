import { MemoryProgressTracker } from 'nestjs-asyncjob';
import { describeTrackerContract } from './tracker-suite.js';

describeTrackerContract('MemoryProgressTracker', async () => {
  const tracker = new MemoryProgressTracker();
  return { tracker, reader: tracker, settle: async () => undefined, dispose: async () => undefined };
});
