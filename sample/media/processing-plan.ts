import type { MediaItem } from './entities/media-item.entity.js';

/** One output video of a processing job. */
export interface PlannedRendition {
  readonly label: string;
  readonly width: number;
  readonly height: number;
  /** Simulated output size: the bitrate ladder applied to the duration. */
  readonly sizeBytes: number;
  /** How many segments the simulated transcode works through. */
  readonly segments: number;
}

/** What a processing job will do, computed up front so progress can be reported as a share of it. */
export interface ProcessingPlan {
  readonly renditions: readonly PlannedRendition[];
  /** Seconds into the stream at which thumbnails are taken. */
  readonly thumbnailsAt: readonly number[];
  /** Units of work: probing, every segment, every thumbnail, saving. */
  readonly units: number;
}

const LADDER = [2160, 1080, 720, 480] as const;
/** kbit/s per output height, roughly what streaming services use. */
const BITRATE_KBPS: Readonly<Record<number, number>> = { 2160: 16_000, 1080: 5_000, 720: 2_800, 480: 1_200 };
const MAX_RENDITIONS = 3;
const THUMBNAILS = 4;

export function planProcessing(item: Pick<MediaItem, 'durationSec' | 'width' | 'height'>): ProcessingPlan {
  const heights: number[] = LADDER.filter((height) => height <= item.height).slice(0, MAX_RENDITIONS);
  // A source smaller than the smallest rung is kept at its own size.
  if (heights.length === 0) heights.push(evenFloor(item.height));
  const segments = Math.min(6, Math.max(3, Math.ceil(item.durationSec / 30)));
  const renditions = heights.map((height): PlannedRendition => {
    const width = evenFloor((item.width * height) / item.height);
    const kbps = BITRATE_KBPS[height] ?? 800;
    return { label: `${height}p`, width, height, sizeBytes: Math.round((kbps * 1000 * item.durationSec) / 8), segments };
  });
  const thumbnailsAt = Array.from({ length: THUMBNAILS }, (_, i) => Math.round((item.durationSec * (i + 1)) / (THUMBNAILS + 1)));
  const units = 1 + renditions.reduce((sum, rendition) => sum + rendition.segments, 0) + thumbnailsAt.length + 1;
  return { renditions, thumbnailsAt, units };
}

function evenFloor(value: number): number {
  return Math.max(2, Math.floor(value / 2) * 2);
}

/** `mm:ss`, as a player shows a position. */
export function formatTimestamp(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
