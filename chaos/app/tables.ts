/**
 * The two tables of one engine's run, in the private PostgreSQL. Neither has
 * a key or a constraint: nothing makes a job idempotent, so every run and
 * every committed effect shows.
 *
 * - runs: one row per attempt that started, written at its start outside
 *   the job's transaction (autocommit), so it stays even when the attempt's
 *   transaction rolls back or its process dies.
 * - effects: one row per attempt, written through the job's transaction
 *   (`entityManager()`): it exists only if that attempt committed.
 */
export interface ChaosTables {
  readonly runs: string;
  readonly effects: string;
}

/** `chaos_<engine>`, with underscores: a name for the engine's queue, prefix or schema. */
export function chaosNamespace(engine: string): string {
  return `chaos_${engine.replace(/[^a-z0-9]/g, '_')}`;
}

export function chaosTables(engine: string): ChaosTables {
  const namespace = chaosNamespace(engine);
  return { runs: `${namespace}_runs`, effects: `${namespace}_effects` };
}

export function createTablesSql(tables: ChaosTables): string[] {
  const columns =
    'key integer NOT NULL, job text NOT NULL, attempt integer NOT NULL, process text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp()';
  return [`CREATE TABLE ${tables.runs} (${columns})`, `CREATE TABLE ${tables.effects} (${columns})`];
}

/** The insert of one row (key, job, attempt, process) into `table`. */
export function insertSql(table: string): string {
  return `INSERT INTO ${table} (key, job, attempt, process) VALUES ($1, $2, $3, $4)`;
}
