import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AsyncJobError, JobNotFoundError, QueueFullError, ShuttingDownError } from 'nestjs-asyncjob';

/**
 * Answers the library's errors with the HTTP status they mean, in the same
 * JSON shape as Nest's own errors, instead of a bare 500.
 */
@Catch(AsyncJobError)
export class AsyncJobExceptionFilter implements ExceptionFilter<AsyncJobError> {
  private readonly logger = new Logger('AsyncJobExceptionFilter');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: AsyncJobError, host: ArgumentsHost): void {
    const status = statusOf(error);
    if (status === HttpStatus.INTERNAL_SERVER_ERROR) this.logger.error(error.message, error.stack);
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    if (httpAdapter.isHeadersSent(response)) return;
    httpAdapter.reply(response, { statusCode: status, error: error.name, message: error.message }, status);
  }
}

function statusOf(error: AsyncJobError): number {
  if (error instanceof JobNotFoundError) return HttpStatus.NOT_FOUND;
  if (error instanceof QueueFullError || error instanceof ShuttingDownError) return HttpStatus.SERVICE_UNAVAILABLE;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}
