import { POSTGRES_URL } from './postgres.js';
import { pg, type BenchPool } from './pg-driver.js';

/**
 * Schemas of the bench's own on the machine's PostgreSQL, named after the
 * process (a concurrent test run or another bench never shares them), all
 * dropped at the end, with whatever the measured code created in them.
 */
export class PrivateSchemas {
  private readonly names: string[] = [];

  private constructor(private readonly admin: BenchPool) {}

  /** Fails with a message naming the server when PostgreSQL is not there, before the case builds anything on it. */
  static async open(feature: string): Promise<PrivateSchemas> {
    const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1, connectionTimeoutMillis: 5000, application_name: 'bench-admin' });
    try {
      await admin.query('SELECT 1');
    } catch (error) {
      await admin.end();
      throw new Error(`${feature} needs PostgreSQL at ${POSTGRES_URL}: ${(error as Error).message}`);
    }
    return new PrivateSchemas(admin);
  }

  /** A fresh schema name for `purpose`, to drop at the end; not created here: the code under test creates what it needs. */
  name(purpose: string): string {
    const name = `bench_${purpose}_${process.pid}_${this.names.length}`;
    this.names.push(name);
    return name;
  }

  /** A schema the code under test derives from one of ours (the pg-boss transport's `<schema>_progress`), to drop too. */
  alsoDrop(name: string): void {
    this.names.push(name);
  }

  async dropAll(): Promise<void> {
    try {
      for (const name of this.names) await this.admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    } finally {
      await this.admin.end();
    }
  }
}
