/** One job to start: its key (one effect row is expected per key) and how long it works inside its transaction. */
export interface JobOrder {
  readonly key: number;
  readonly workMs: number;
}

/** What the driver asks a chaos process to do, over IPC (answered by test/fixtures/shared/serve.ts). */
export type ChaosRequest =
  | { readonly seq: number; readonly op: 'start'; readonly orders: readonly JobOrder[] }
  | { readonly seq: number; readonly op: 'pending'; readonly ids: readonly string[] }
  | { readonly seq: number; readonly op: 'unfinished' }
  | { readonly seq: number; readonly op: 'close' };

/** The answer to `start`, one per order: the job's id, or why the start was refused. */
export type StartResult = { readonly key: number; readonly id: string } | { readonly key: number; readonly refused: string };
