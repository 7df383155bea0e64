export * from './async-job.decorator.js';
