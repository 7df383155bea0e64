import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Where a media item came from. */
export type MediaSource = 'generated' | 'upload';

/** A file the user can process: one of the generated samples, or an upload. */
@Entity({ name: 'media_items' })
export class MediaItem {
  /** A slug for the generated samples, a UUID for uploads. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'varchar', length: 160 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  source!: MediaSource;

  @Column({ type: 'varchar', length: 100 })
  mimeType!: string;

  @Column({ type: 'integer' })
  sizeBytes!: number;

  /** Length of the (simulated) stream, in seconds. */
  @Column({ type: 'integer' })
  durationSec!: number;

  @Column({ type: 'integer' })
  width!: number;

  @Column({ type: 'integer' })
  height!: number;

  /** Hex SHA-256 of an upload's bytes; null for generated samples. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  sha256!: string | null;

  /** Makes its processing job fail on purpose, to show a failure. */
  @Column({ type: 'boolean', default: false })
  simulateFailure!: boolean;

  /** A short note shown under the name in the page. */
  @Column({ type: 'varchar', length: 200, default: '' })
  note!: string;

  @CreateDateColumn()
  createdAt!: Date;
}
