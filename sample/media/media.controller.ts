import { BadRequestException, Controller, Get, HttpCode, HttpStatus, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { MediaItem } from './entities/media-item.entity.js';
import { MediaService } from './media.service.js';
import type { UploadedFileData } from './uploaded-file.interface.js';

/** Small on purpose: the file is only hashed, and a sample should not fill a disk. */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

@Controller('api/media')
export class MediaController {
  constructor(private readonly media: MediaService) {}

  @Get()
  list(): Promise<MediaItem[]> {
    return this.media.list();
  }

  /** Multipart upload, field `file`; over {@link MAX_UPLOAD_BYTES} answers 413. */
  @Post()
  @HttpCode(HttpStatus.CREATED)
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } }))
  upload(@UploadedFile() file: UploadedFileData | undefined): Promise<MediaItem> {
    if (!file) throw new BadRequestException('Send the file as multipart/form-data in a field named "file"');
    if (file.size === 0) throw new BadRequestException('The file is empty');
    return this.media.addUpload(file);
  }
}
