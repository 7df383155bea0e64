import { Controller, Get, Header, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Rendition } from './entities/rendition.entity.js';

/** Serves the thumbnails the processing jobs wrote. */
@Controller('api/renditions')
export class RenditionsController {
  constructor(@InjectRepository(Rendition) private readonly renditions: Repository<Rendition>) {}

  @Get(':id/thumbnail.svg')
  @Header('Content-Type', 'image/svg+xml')
  @Header('Cache-Control', 'public, max-age=86400, immutable')
  @Header('X-Content-Type-Options', 'nosniff')
  async thumbnail(@Param('id', new ParseUUIDPipe()) id: string): Promise<string> {
    const rendition = await this.renditions.findOneBy({ id, kind: 'thumbnail' });
    if (!rendition?.svg) throw new NotFoundException(`No thumbnail with id ${id}`);
    return rendition.svg;
  }
}
