import type { TrackerBatch } from '../store/tracker-batch.interface.js';
import { MAX_ROWS_PER_WRITE } from './postgres-table.js';

/** What one statement does to a job's row; an unset field keeps the row's value. */
interface RowWrite {
  setProgress: boolean;
  progress: string | null;
  status: string | null;
  /** Lifetime from now, in ms; null keeps the row's. */
  ttl: number | null;
  removeIfBare: boolean;
  announce: boolean;
}

/** The write statement's parameters, as parallel arrays (see `PostgresTable.write`). */
export type WriteParameters = [string[], boolean[], Array<string | null>, Array<string | null>, Array<number | null>, boolean[], boolean[]];

/**
 * The writes of one round trip, folded into one row write per job: the
 * statement cannot touch a row twice, and the calls of one job made in the
 * same tick (track, then its status) end in one state anyway. Later calls
 * win, field by field, as if they had been sent one after the other.
 */
export class RowBatch implements TrackerBatch {
  private readonly rows = new Map<string, RowWrite>();

  /** `[value, data]` as JSON; `announce` tells watchers (not for a retry's reset before the status that announces it). */
  progress(id: string, json: string, ttl: number, announce: boolean): void {
    const row = this.row(id);
    row.setProgress = true;
    row.progress = json;
    row.ttl = ttl;
    row.removeIfBare = false;
    row.announce ||= announce;
  }

  /** The job's status; `ttl` is its retention for a final one (at most 0: gone at once), which also clears its progress. */
  status(id: string, json: string, ttl: number, removeProgress: boolean): void {
    const row = this.row(id);
    row.status = json;
    row.ttl = ttl;
    row.removeIfBare = false;
    row.announce = true;
    if (removeProgress) this.removeProgress(id);
  }

  /** The job is no longer tracked: its progress goes, and its row too unless a status remains. */
  removeProgress(id: string): void {
    const row = this.row(id);
    row.setProgress = true;
    row.progress = null;
    if (row.status === null) {
      // Nothing of this round trip keeps the row: a progress-only lifetime must not either.
      row.ttl = null;
      row.removeIfBare = true;
    }
    row.announce = true;
  }

  /** Keeps an active job's row alive `ttl` ms more, silently. */
  renew(id: string, ttl: number): void {
    this.row(id).ttl = ttl;
  }

  get size(): number {
    return this.rows.size;
  }

  /** The statements' parameters, at most `MAX_ROWS_PER_WRITE` rows each. */
  *parameters(): Generator<WriteParameters> {
    let chunk = empty();
    for (const [id, row] of this.rows) {
      chunk[0].push(id);
      chunk[1].push(row.setProgress);
      chunk[2].push(row.progress);
      chunk[3].push(row.status);
      chunk[4].push(row.ttl);
      chunk[5].push(row.removeIfBare);
      chunk[6].push(row.announce);
      if (chunk[0].length === MAX_ROWS_PER_WRITE) {
        yield chunk;
        chunk = empty();
      }
    }
    if (chunk[0].length > 0) yield chunk;
  }

  private row(id: string): RowWrite {
    let row = this.rows.get(id);
    if (!row) {
      row = { setProgress: false, progress: null, status: null, ttl: null, removeIfBare: false, announce: false };
      this.rows.set(id, row);
    }
    return row;
  }
}

function empty(): WriteParameters {
  return [[], [], [], [], [], [], []];
}
