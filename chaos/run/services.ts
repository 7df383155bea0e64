import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { PostgresCluster } from '../../test/helpers/postgres-cluster.js';
import { RedisServer } from '../../test/helpers/redis-server.js';
import type { ChaosEngine } from '../engines/engine.js';

/**
 * The run's own services, on free ports, so nothing else on the machine is
 * touched: a PostgreSQL cluster (initdb and pg_ctl in a temporary folder)
 * and, when an engine needs it, a redis-server with an append-only file
 * (fsync always), so that a restart keeps what it acknowledged, as a Redis
 * set up for BullMQ would.
 */
export class ChaosServices {
  private constructor(
    readonly postgres: PostgresCluster,
    readonly redis: RedisServer | undefined,
    private readonly redisDir: string | undefined,
    /** The driver's own connection, for the tables and the counts. */
    readonly database: DataSource,
  ) {}

  static async start(withRedis: boolean): Promise<ChaosServices> {
    const postgres = await PostgresCluster.start();
    const redisDir = withRedis ? mkdtempSync(join(tmpdir(), 'asyncjob-chaos-redis-')) : undefined;
    try {
      const redis = redisDir === undefined ? undefined : await RedisServer.start({ appendOnlyDir: redisDir });
      const database = new DataSource({ type: 'postgres', url: postgres.url, poolSize: 2, connectTimeoutMS: 3000 });
      await database.initialize();
      return new ChaosServices(postgres, redis, redisDir, database);
    } catch (error) {
      await postgres.destroy();
      if (redisDir !== undefined) rmSync(redisDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Stops the engine's store abruptly (SIGKILL for Redis, `immediate` for PostgreSQL), waits `downMs`, starts it again. */
  async restart(store: ChaosEngine['store'], downMs: number): Promise<void> {
    const service = store === 'redis' ? this.redis : store === 'postgres' ? this.postgres : undefined;
    if (!service) return;
    await service.stop();
    await sleep(downMs);
    await service.start();
  }

  /** A query of the driver's, tried again while the database restarts (for up to a minute). */
  async query<T>(sql: string, values: unknown[] = []): Promise<T[]> {
    for (let tries = 1; ; tries++) {
      try {
        return (await this.database.query(sql, values)) as T[];
      } catch (error) {
        if (tries >= 120) throw error;
        await sleep(500);
      }
    }
  }

  async stop(): Promise<void> {
    await this.database.destroy().catch(() => undefined);
    await this.redis?.stop();
    if (this.redisDir !== undefined) rmSync(this.redisDir, { recursive: true, force: true });
    await this.postgres.destroy();
  }
}
