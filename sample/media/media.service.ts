import { createHash, randomUUID } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { MediaItem } from './entities/media-item.entity.js';
import type { UploadedFileData } from './uploaded-file.interface.js';

/** Uploads listed in the page, newest first; older ones stay in the database. */
const LISTED_UPLOADS = 8;

/** The media items the user can process. */
@Injectable()
export class MediaService {
  constructor(@InjectRepository(MediaItem) private readonly items: Repository<MediaItem>) {}

  /** The generated samples, then the latest uploads. */
  async list(): Promise<MediaItem[]> {
    const [generated, uploads] = await Promise.all([
      this.items.find({ where: { source: 'generated' }, order: { id: 'ASC' } }),
      this.items.find({ where: { source: 'upload' }, order: { createdAt: 'DESC' }, take: LISTED_UPLOADS }),
    ]);
    return [...generated.sort(byCatalogOrder), ...uploads];
  }

  async get(id: string): Promise<MediaItem> {
    const item = await this.items.findOneBy({ id });
    if (!item) throw new NotFoundException(`No media item with id ${id}`);
    return item;
  }

  /**
   * Records an uploaded file. Its bytes are only hashed: the processing that
   * follows is simulated, sized as a 720p video of a length that grows with
   * the file.
   */
  async addUpload(file: UploadedFileData): Promise<MediaItem> {
    const sha256 = createHash('sha256').update(file.buffer).digest('hex');
    const item = this.items.create({
      id: randomUUID(),
      name: cleanFileName(file.originalname),
      source: 'upload',
      mimeType: (file.mimetype || 'application/octet-stream').slice(0, 100),
      sizeBytes: file.size,
      durationSec: Math.min(600, Math.max(6, Math.round(file.size / 40_000))),
      width: 1280,
      height: 720,
      sha256,
      simulateFailure: false,
      note: `Uploaded, sha256 ${sha256.slice(0, 12)}…, processed as a 720p video`,
      // To the millisecond, so uploads made in the same second keep their order.
      createdAt: new Date(),
    });
    return this.items.save(item);
  }
}

const CATALOG_ORDER = ['beach-sunset', 'product-demo', 'team-call', 'corrupted-recording'];

function byCatalogOrder(a: MediaItem, b: MediaItem): number {
  return CATALOG_ORDER.indexOf(a.id) - CATALOG_ORDER.indexOf(b.id);
}

/** A display name: no path, no control characters, bounded length. */
export function cleanFileName(name: string): string {
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/\p{Cc}/gu, '').trim();
  return (base || 'upload').slice(0, 120);
}
