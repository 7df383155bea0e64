import { AsyncJobError } from './async-job.error.js';

/**
 * `start()` named a class method that is not a discovered `@AsyncJob`:
 * the method lacks the decorator, or the class is not a provider of any
 * module in the application.
 *
 * @publicApi
 */
export class JobNotRegisteredError extends AsyncJobError {
  constructor(className: string, methodName: string) {
    super(
      `${className}.${methodName} is not a registered @AsyncJob: decorate the method with @AsyncJob() ` +
        `and list ${className} in the providers of a module of this application`,
    );
  }
}
