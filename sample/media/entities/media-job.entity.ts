import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Which media item a processing job works on. The job's state lives in the
 * progress tracker; this row is what lets the page list recent jobs (the
 * library keeps no list of jobs), and it is shared by every instance that
 * uses the same database.
 */
@Entity({ name: 'media_jobs' })
export class MediaJob {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  jobId!: string;

  @Column({ type: 'varchar', length: 64 })
  mediaId!: string;

  /** Copied so the list still names the file if the item is gone. */
  @Column({ type: 'varchar', length: 160 })
  mediaName!: string;

  @Index()
  @CreateDateColumn()
  createdAt!: Date;
}
