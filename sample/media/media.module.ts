import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MediaItem } from './entities/media-item.entity.js';
import { Rendition } from './entities/rendition.entity.js';
import { MediaCatalogSeeder } from './media-catalog.seeder.js';
import { MediaController } from './media.controller.js';
import { MediaService } from './media.service.js';
import { MediaProcessor } from './media-processor.service.js';
import { RenditionsController } from './renditions.controller.js';

/** Media items, the processing job, and its results. */
@Module({
  imports: [TypeOrmModule.forFeature([MediaItem, Rendition])],
  controllers: [MediaController, RenditionsController],
  providers: [MediaService, MediaProcessor, MediaCatalogSeeder],
  exports: [MediaService, MediaProcessor, TypeOrmModule],
})
export class MediaModule {}
