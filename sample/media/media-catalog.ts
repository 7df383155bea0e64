import type { MediaItem } from './entities/media-item.entity.js';

/** A generated sample the page offers, so the sample works without any file at hand. */
export type GeneratedMedia = Pick<
  MediaItem,
  'id' | 'name' | 'mimeType' | 'sizeBytes' | 'durationSec' | 'width' | 'height' | 'simulateFailure' | 'note'
>;

export const CORRUPTED_MEDIA_ID = 'corrupted-recording';

export const GENERATED_MEDIA: readonly GeneratedMedia[] = [
  {
    id: 'beach-sunset',
    name: 'Beach sunset.mp4',
    mimeType: 'video/mp4',
    sizeBytes: 58_400_000,
    durationSec: 42,
    width: 1920,
    height: 1080,
    simulateFailure: false,
    note: 'Full HD clip: three renditions and four thumbnails',
  },
  {
    id: 'product-demo',
    name: 'Product demo.mov',
    mimeType: 'video/quicktime',
    sizeBytes: 412_000_000,
    durationSec: 130,
    width: 3840,
    height: 2160,
    simulateFailure: false,
    note: '4K master: the longest job, good for trying Cancel',
  },
  {
    id: 'team-call',
    name: 'Team call.webm',
    mimeType: 'video/webm',
    sizeBytes: 23_900_000,
    durationSec: 75,
    width: 1280,
    height: 720,
    simulateFailure: false,
    note: 'HD recording: two renditions',
  },
  {
    id: CORRUPTED_MEDIA_ID,
    name: 'Corrupted recording.avi',
    mimeType: 'video/x-msvideo',
    sizeBytes: 96_100_000,
    durationSec: 95,
    width: 1920,
    height: 1080,
    simulateFailure: true,
    note: 'Fails on purpose: a frame cannot be decoded',
  },
];
