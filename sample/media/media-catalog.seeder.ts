import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { MediaItem } from './entities/media-item.entity.js';
import { GENERATED_MEDIA } from './media-catalog.js';

/**
 * Puts the generated samples in the database at start-up. An upsert, so two
 * instances sharing a database can start together.
 */
@Injectable()
export class MediaCatalogSeeder implements OnApplicationBootstrap {
  constructor(@InjectRepository(MediaItem) private readonly items: Repository<MediaItem>) {}

  async onApplicationBootstrap(): Promise<void> {
    const rows = GENERATED_MEDIA.map((media) => ({ ...media, source: 'generated' as const, sha256: null }));
    await this.items.upsert(rows, ['id']);
  }
}
