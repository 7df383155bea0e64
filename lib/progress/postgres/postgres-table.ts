/**
 * The tracker's table and every statement it sends, in one place. Progress
 * and statuses are JSON in `text` columns, not `jsonb`: jsonb rejects
 * `\u0000` and lone surrogates, which JSON (and so progress data) allows, and
 * the tracker never queries inside them.
 */

/** Rows written by one statement at most: bounds the statement's size and how long it holds its locks. */
export const MAX_ROWS_PER_WRITE = 2000;
/** Expired rows deleted per cleanup statement. */
export const CLEANUP_BATCH = 1000;
/** Serialises the CREATE statements of processes starting together, which would otherwise race on the catalog. */
const SETUP_LOCK = 'nestjs-asyncjob:progress-table';

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The SQL of one tracker's table. */
export class PostgresTable {
  /** `"schema"."table"`. */
  readonly name: string;
  /** The CREATE statements, as docs/postgres.md gives them for a migration. */
  readonly ddl: string;
  /** `$1` = `schema.table`: whether the table exists (non-null) . */
  readonly exists = 'SELECT to_regclass($1) AS found';
  readonly readProgress: string;
  readonly readStatus: string;
  readonly write: string;
  readonly cleanup: string;
  readonly listen: string;

  constructor(
    readonly schema: string,
    readonly table: string,
    readonly channel: string,
  ) {
    this.name = `${quote(schema)}.${quote(table)}`;
    this.ddl = [
      `CREATE SCHEMA IF NOT EXISTS ${quote(schema)};`,
      `CREATE TABLE IF NOT EXISTS ${this.name} (`,
      `  id text PRIMARY KEY,`,
      `  progress text,`,
      `  status text,`,
      `  expires_at timestamptz NOT NULL`,
      `);`,
      `CREATE INDEX IF NOT EXISTS ${quote(`${table}_expires_at`)} ON ${this.name} (expires_at);`,
    ].join('\n');
    const alive = `expires_at > now()`;
    this.readProgress = `SELECT progress FROM ${this.name} WHERE id = $1 AND ${alive}`;
    this.readStatus = `SELECT status FROM ${this.name} WHERE id = $1 AND ${alive}`;
    this.write = writeStatement(this.name);
    this.cleanup =
      `WITH gone AS (DELETE FROM ${this.name} WHERE id IN ` +
      `(SELECT id FROM ${this.name} WHERE expires_at <= now() LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING 1) ` +
      `SELECT count(*)::int AS deleted FROM gone`;
    this.listen = `LISTEN ${quote(channel)}`;
  }

  /** One simple-protocol query (so one implicit transaction): the lock, then the CREATE statements. */
  get setup(): string {
    return `SELECT pg_advisory_xact_lock(hashtext('${SETUP_LOCK}'));\n${this.ddl}`;
  }
}

/**
 * Applies a batch of row writes, one per job (see `RowBatch`), and announces
 * them, in one statement, so one round trip and one transaction: the
 * notifications go out when the writes commit, never before. Parameters,
 * as parallel arrays: $1 id, $2 whether progress is set, $3 progress, $4
 * status (null: kept), $5 lifetime in ms from now (null: kept), $6 whether
 * a row left with neither status nor progress ends now, $7 whether to
 * announce, $8 the channel. A row past its expiry counts as absent: what it
 * held never comes back.
 */
function writeStatement(table: string): string {
  const alive = 't.expires_at > now()';
  return `WITH w AS (
  SELECT * FROM unnest($1::text[], $2::boolean[], $3::text[], $4::text[], $5::double precision[], $6::boolean[], $7::boolean[])
    AS w(id, set_progress, progress, status, ttl, remove_if_bare, announce)
), updated AS (
  UPDATE ${table} AS t SET
    progress = CASE WHEN w.set_progress THEN w.progress WHEN ${alive} THEN t.progress END,
    status = CASE WHEN w.status IS NOT NULL THEN w.status WHEN ${alive} THEN t.status END,
    expires_at = CASE
      WHEN w.ttl IS NOT NULL THEN now() + w.ttl * interval '1 millisecond'
      WHEN w.remove_if_bare AND (t.status IS NULL OR NOT ${alive}) THEN least(t.expires_at, now())
      ELSE t.expires_at END
  FROM w WHERE t.id = w.id
  RETURNING t.id
), inserted AS (
  INSERT INTO ${table} (id, progress, status, expires_at)
  SELECT w.id, CASE WHEN w.set_progress THEN w.progress END, w.status, now() + w.ttl * interval '1 millisecond'
  FROM w
  WHERE w.ttl > 0 AND (w.status IS NOT NULL OR (w.set_progress AND w.progress IS NOT NULL))
    AND NOT EXISTS (SELECT 1 FROM updated WHERE updated.id = w.id)
  ON CONFLICT (id) DO NOTHING
  RETURNING id
)
SELECT count(pg_notify($8, w.id))::int AS announced FROM w WHERE w.announce`;
}
