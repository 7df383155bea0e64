import type { PerformOptions } from '../interfaces/job-options.interface.js';
import type { StartOptions } from '../interfaces/start-options.interface.js';

/**
 * The options of a `perform` or `start` given none: one shared object, so a
 * plain call is told apart by identity and its defaults apply as they are,
 * with no validation to redo per job.
 */
export const NO_OPTIONS: PerformOptions & StartOptions = Object.freeze({});
