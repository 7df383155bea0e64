import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { isJobId } from 'nestjs-asyncjob';

/**
 * Rejects a malformed job id with a 400 before it reaches the service, so a
 * typo is told apart from a job that does not exist (404).
 */
@Injectable()
export class ParseJobIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (value === undefined || value === '') throw new BadRequestException('A job id is required');
    if (!isJobId(value)) throw new BadRequestException('Malformed job id: expected asyncjob_<uuid> or asyncjob_<number>_<secret>');
    return value;
  }
}
