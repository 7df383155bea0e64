export * from './async-job-module-options.interface.js';
export * from './async-job-options.interface.js';
export * from './job-event.interface.js';
export * from './job-options.interface.js';
export * from './job-status.interface.js';
export * from './running-job.interface.js';
export * from './wait-options.interface.js';
export * from './job-method.types.js';
