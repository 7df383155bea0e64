import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { MediaItem } from '../media/entities/media-item.entity.js';
import { MediaJob } from '../media/entities/media-job.entity.js';
import { Rendition } from '../media/entities/rendition.entity.js';
import type { SampleDatabaseConfig } from '../config/sample-config.js';

export const SAMPLE_ENTITIES = [MediaItem, MediaJob, Rendition];

/**
 * TypeORM options for the configured database. `synchronize` creates the
 * tables on first start: fine for a sample, replace it with migrations in a
 * real application.
 */
export function databaseOptions(config: SampleDatabaseConfig): TypeOrmModuleOptions {
  const common = { entities: SAMPLE_ENTITIES, synchronize: true, retryAttempts: 3, retryDelay: 1000 } as const;
  if (config.type === 'postgres') {
    return { ...common, type: 'postgres', url: config.url, ...(config.schema ? { schema: config.schema } : {}) };
  }
  if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
  // WAL lets a second instance read while the first one writes (two instances, one file).
  return { ...common, type: 'better-sqlite3', database: config.path, enableWAL: config.path !== ':memory:', timeout: 5000 };
}
