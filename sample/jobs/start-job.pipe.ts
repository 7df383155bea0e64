import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import { isMediaId } from '../media/media-id.js';

/** Body of `POST /api/jobs`. */
export interface StartJobBody {
  readonly mediaId: string;
}

/** Checks `POST /api/jobs`'s body by hand: the sample has no validation library to depend on. */
@Injectable()
export class StartJobPipe implements PipeTransform<unknown, StartJobBody> {
  transform(body: unknown): StartJobBody {
    const mediaId = typeof body === 'object' && body !== null ? (body as { mediaId?: unknown }).mediaId : undefined;
    if (mediaId === undefined) throw new BadRequestException('Send {"mediaId": "…"} as JSON');
    if (!isMediaId(mediaId)) throw new BadRequestException('Malformed mediaId: expected a slug or a UUID');
    return { mediaId };
  }
}
