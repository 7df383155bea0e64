/**
 * Cancel requests for jobs running in another process. BullMQ can remove a
 * waiting job but has no way to stop one a worker holds, so the process
 * running it is told on a channel of our own, beside BullMQ's store: Redis
 * pub/sub, or PostgreSQL LISTEN/NOTIFY.
 */
export interface CancelChannel {
  /** Asks every process to cancel job `id`; the one running it does. Bound, so it can be handed on as it is. */
  readonly publish: (id: string) => Promise<void>;
  /** Calls `onCancel` with each job id asked for (worker role); resolves once subscribed. */
  subscribe(onCancel: (id: string) => void): Promise<void>;
  /** First at shutdown: no request is taken while the jobs running here wind down. */
  unsubscribe(): Promise<void>;
  /** Last at shutdown: `cancel()` may still publish while the rest closes. */
  close(): Promise<void>;
  /** Shutdown gave up waiting (the store is away): drop the connections without waiting. */
  disconnect(): void;
}
