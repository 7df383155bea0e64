import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** What a processing job produces: a transcoded video or a thumbnail. */
export type RenditionKind = 'video' | 'thumbnail';

/** A result row, written by the processing job. */
@Entity({ name: 'renditions' })
export class Rendition {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column({ type: 'varchar', length: 64 })
  jobId!: string;

  @Column({ type: 'varchar', length: 64 })
  mediaId!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: RenditionKind;

  /** `1080p`, `720p`… for videos; `00:12` for a thumbnail. */
  @Column({ type: 'varchar', length: 32 })
  label!: string;

  @Column({ type: 'integer' })
  width!: number;

  @Column({ type: 'integer' })
  height!: number;

  @Column({ type: 'integer' })
  sizeBytes!: number;

  /** The thumbnail image itself (a small generated SVG); null for videos. */
  @Column({ type: 'text', nullable: true })
  svg!: string | null;

  @CreateDateColumn()
  createdAt!: Date;
}
