import { BadRequestException, Controller, type MessageEvent, NotFoundException, Param, Query, Sse } from '@nestjs/common';
import { AsyncJobService, isJobId } from 'nestjs-asyncjob';
import type { Observable } from 'rxjs';
import { ParseJobIdPipe } from '../common/parse-job-id.pipe.js';
import { JobFeedService } from './job-feed.service.js';

/** Most jobs one stream may follow. */
const MAX_IDS = 50;

/**
 * Live job updates as Server-Sent Events. `GET /api/events?ids=a,b` follows
 * several jobs on one connection (what the page uses); `GET /api/events/:id`
 * follows one (`curl -N` it).
 */
@Controller('api/events')
export class JobEventsController {
  constructor(
    private readonly jobs: AsyncJobService,
    private readonly feed: JobFeedService,
  ) {}

  @Sse()
  many(@Query('ids') raw: unknown): Observable<MessageEvent> {
    return this.feed.watch(parseIds(raw));
  }

  @Sse(':id')
  async one(@Param('id', ParseJobIdPipe) id: string): Promise<Observable<MessageEvent>> {
    // Checked before the stream starts, so an unknown id is a plain 404, not an empty stream.
    if (!(await this.jobs.getStatus(id))) throw new NotFoundException(`No job with id ${id}`);
    return this.feed.watch([id]);
  }
}

function parseIds(raw: unknown): string[] {
  const values = Array.isArray(raw) ? raw : [raw];
  if (!values.every((value) => typeof value === 'string' && value !== '')) {
    throw new BadRequestException('Give the jobs to follow as ?ids=<id>,<id>');
  }
  const ids = [...new Set((values as string[]).flatMap((value) => value.split(',')))];
  if (ids.length > MAX_IDS) throw new BadRequestException(`At most ${MAX_IDS} jobs can be followed on one stream`);
  if (!ids.every(isJobId)) throw new BadRequestException('Malformed job id: expected asyncjob_<uuid> or asyncjob_<number>_<secret>');
  return ids;
}
