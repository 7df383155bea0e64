import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { AsyncJob, AsyncJobService } from 'nestjs-asyncjob';
import type { Repository } from 'typeorm';
import { DemoClock } from '../common/demo-clock.js';
import type { SampleConfig } from '../config/sample-config.js';
import { SAMPLE_CONFIG } from '../config/sample-config.token.js';
import { MediaItem } from './entities/media-item.entity.js';
import { Rendition } from './entities/rendition.entity.js';
import { MediaDecodeError } from './media-decode.error.js';
import { formatTimestamp, planProcessing } from './processing-plan.js';
import type { ProcessingResult, ProcessingStep } from './processing-result.js';
import { thumbnailSvg } from './thumbnail-image.js';

/** Name under which the processing job is registered, shown in statuses and logs. */
export const PROCESS_MEDIA_JOB = 'media.process';

/**
 * The background job of the media scenario: a simulated transcode to a
 * ladder of renditions, then thumbnail generation, reporting progress 0..100
 * with a message per step, and writing its result rows.
 */
@Injectable()
export class MediaProcessor {
  constructor(
    private readonly jobs: AsyncJobService,
    private readonly clock: DemoClock,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
    @InjectRepository(MediaItem) private readonly items: Repository<MediaItem>,
  ) {}

  /** Start it with `jobs.start(MediaProcessor, 'process', mediaId)`. */
  @AsyncJob({ name: PROCESS_MEDIA_JOB })
  async process(mediaId: string): Promise<ProcessingResult> {
    const job = this.jobs.currentJob();
    if (!job) throw new Error("MediaProcessor.process runs as a job: start it with jobs.start(MediaProcessor, 'process', mediaId)");
    // Only the id crosses into the job: the row is read again here, as the original advised.
    const item = await this.items.findOneBy({ id: mediaId });
    if (!item) throw new Error(`Media item ${mediaId} no longer exists`);
    const plan = planProcessing(item);
    let done = 0;
    const step = async (kind: ProcessingStep['step'], message: string): Promise<void> => {
      const data: ProcessingStep = { step: kind, message };
      await this.jobs.setProgress(Math.floor((100 * done) / plan.units), data);
      await this.clock.sleep(this.config.stepMs, job.signal);
      done++;
    };

    await step('probe', `Probing ${item.name}`);
    const rows: Array<Partial<Rendition>> = [];
    const jobId = job.id;
    for (const [index, rendition] of plan.renditions.entries()) {
      for (let segment = 1; segment <= rendition.segments; segment++) {
        if (item.simulateFailure && index === 0 && segment === 3) {
          const at = formatTimestamp((item.durationSec * segment) / (rendition.segments + 1));
          throw new MediaDecodeError(`Cannot decode frame at ${at} of ${item.name}: corrupt H.264 slice header (simulated failure)`);
        }
        await step('transcode', `Transcoding ${rendition.label} (H.264): segment ${segment} of ${rendition.segments}`);
      }
      const { label, width, height, sizeBytes } = rendition;
      rows.push({ jobId, mediaId, kind: 'video', label, width, height, sizeBytes, svg: null });
    }
    for (const [index, atSec] of plan.thumbnailsAt.entries()) {
      await step('thumbnail', `Generating thumbnail ${index + 1} of ${plan.thumbnailsAt.length} (${formatTimestamp(atSec)})`);
      const svg = thumbnailSvg(item.id, atSec);
      rows.push({ jobId, mediaId, kind: 'thumbnail', label: formatTimestamp(atSec), width: 320, height: 180, sizeBytes: svg.length, svg });
    }
    await step('save', `Saving ${rows.length} result rows`);
    // The job's own transaction: committed when this method returns, rolled
    // back if it throws or is cancelled, so a job never leaves half its
    // results. Opened only now, after the slow part: on SQLite every query
    // of the app shares one connection, so a transaction should be short.
    const manager = await this.jobs.entityManager();
    const saved = await manager.save(rows.map((row) => manager.create(Rendition, row)));
    await this.jobs.setProgress(100, { step: 'save', message: `Done: ${rows.length} result rows saved` } satisfies ProcessingStep);
    const videos = saved.filter((row) => row.kind === 'video');
    return {
      renditions: videos.map(({ label, width, height, sizeBytes }) => ({ label, width, height, sizeBytes })),
      thumbnails: saved.length - videos.length,
      thumbnailId: saved.find((row) => row.kind === 'thumbnail')?.id ?? null,
      outputBytes: saved.reduce((sum, row) => sum + row.sizeBytes, 0),
    };
  }
}
