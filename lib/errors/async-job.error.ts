/**
 * Base class of every error this module throws on purpose, so callers can
 * catch the module's errors as a family (`err instanceof AsyncJobError`).
 *
 * @publicApi
 */
export class AsyncJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
