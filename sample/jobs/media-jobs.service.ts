import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { AsyncJobService, type JobStatus } from 'nestjs-asyncjob';
import type { Repository } from 'typeorm';
import { MediaJob } from '../media/entities/media-job.entity.js';
import { MediaService } from '../media/media.service.js';
import { toJobView, type JobView } from './job-view.js';
import { MediaJobEngine } from './media-job-engine.js';

/** Recent jobs listed in the page. */
const RECENT_JOBS = 20;

/** Starts, lists, reads and cancels jobs for the page and the JSON API. */
@Injectable()
export class MediaJobsService {
  private lastCreatedAt = 0;

  constructor(
    private readonly jobs: AsyncJobService,
    private readonly media: MediaService,
    private readonly engine: MediaJobEngine,
    @InjectRepository(MediaJob) private readonly mediaJobs: Repository<MediaJob>,
  ) {}

  /**
   * Starts processing a media item; 404 when it does not exist. The job's row
   * and the job are one unit: the job enters the queue only once the
   * transaction that saves its row commits (with pg-boss, it is written in
   * that transaction), and never if it rolls back.
   */
  async start(mediaId: string): Promise<JobView> {
    const item = await this.media.get(mediaId);
    const [id, row] = await this.mediaJobs.manager.transaction(async (manager) => {
      const jobId = await this.engine.start(manager, item.id);
      const saved = await manager.save(MediaJob, { jobId, mediaId: item.id, mediaName: item.name, createdAt: this.nextCreatedAt() });
      return [jobId, saved] as const;
    });
    return toJobView(id, row, await this.jobs.getStatus(id));
  }

  /** The latest media jobs, newest first, each with its current state. */
  async recent(): Promise<JobView[]> {
    const rows = await this.mediaJobs.find({ order: { createdAt: 'DESC' }, take: RECENT_JOBS });
    const statuses = await Promise.all(rows.map((row) => this.jobs.getStatus(row.jobId)));
    return rows.map((row, i) => toJobView(row.jobId, row, statuses[i] ?? null));
  }

  /** Any job the tracker or the database knows; 404 otherwise. */
  async get(id: string): Promise<JobView> {
    const [row, status] = await this.find(id);
    return toJobView(id, row, status);
  }

  /**
   * Cancels a queued or running job: 404 when the job is unknown, 409 when
   * it has already finished or cannot be reached: with the local engine only
   * the process that runs a job can abort it; with pg-boss any process can,
   * and its worker confirms.
   */
  async cancel(id: string): Promise<JobView> {
    const [row] = await this.find(id);
    if (!(await this.jobs.cancel(id))) {
      const status = await this.jobs.getStatus(id);
      const active = status?.state === 'queued' || status?.state === 'running';
      throw new ConflictException(
        `Job ${id} cannot be cancelled: ${active ? this.engine.notCancellable : `it is ${status?.state ?? 'no longer tracked'}`}`,
      );
    }
    return toJobView(id, row, await this.jobs.getStatus(id));
  }

  /**
   * Strictly increasing creation times, to the millisecond, so the list keeps
   * the order jobs were started in: SQLite's own default has whole seconds,
   * and two jobs may start in the same millisecond.
   */
  private nextCreatedAt(): Date {
    this.lastCreatedAt = Math.max(Date.now(), this.lastCreatedAt + 1);
    return new Date(this.lastCreatedAt);
  }

  private async find(id: string): Promise<[MediaJob | null, JobStatus | null]> {
    const [row, status] = await Promise.all([this.mediaJobs.findOneBy({ jobId: id }), this.jobs.getStatus(id)]);
    if (!row && !status) throw new NotFoundException(`No job with id ${id}`);
    return [row, status];
  }
}
