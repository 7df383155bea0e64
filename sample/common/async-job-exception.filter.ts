import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AsyncJobError, type AsyncJobErrorCode } from 'nestjs-asyncjob';

/** The library's errors that mean something to an HTTP client; the rest are the server's fault (500). */
const STATUS_BY_CODE: Partial<Record<AsyncJobErrorCode, HttpStatus>> = {
  ASYNCJOB_JOB_NOT_FOUND: HttpStatus.NOT_FOUND,
  ASYNCJOB_INVALID_ARGUMENT: HttpStatus.BAD_REQUEST,
  ASYNCJOB_QUEUE_FULL: HttpStatus.SERVICE_UNAVAILABLE,
  ASYNCJOB_SHUTTING_DOWN: HttpStatus.SERVICE_UNAVAILABLE,
  ASYNCJOB_TRACKER_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
};

/**
 * Answers the library's errors with the HTTP status they mean, in the same
 * JSON shape as Nest's own errors (plus the error's stable `code`), instead
 * of a bare 500.
 */
@Catch(AsyncJobError)
export class AsyncJobExceptionFilter implements ExceptionFilter<AsyncJobError> {
  private readonly logger = new Logger('AsyncJobExceptionFilter');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: AsyncJobError, host: ArgumentsHost): void {
    const status = STATUS_BY_CODE[error.code] ?? HttpStatus.INTERNAL_SERVER_ERROR;
    if (status === HttpStatus.INTERNAL_SERVER_ERROR) this.logger.error(error.message, error.stack);
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    if (httpAdapter.isHeadersSent(response)) return;
    httpAdapter.reply(response, { statusCode: status, error: error.name, code: error.code, message: error.message }, status);
  }
}
