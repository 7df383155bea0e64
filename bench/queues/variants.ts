import { asyncJob } from './async-job.queue.js';

/** The library with its defaults, as most users run it. */
export const OURS = asyncJob('nestjs-asyncjob');
