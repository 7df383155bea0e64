import { TrackerUnavailableError } from '../../errors/tracker-unavailable.error.js';
import type { RedisConnection } from './redis-connection.js';

/** The commands a tracker write may queue. */
export interface WriteBatch {
  /** SET `key` `value` PX `ttl`. */
  set(key: string, value: string, ttl: number): void;
  /** DEL `key`. */
  del(key: string): void;
  /** PUBLISH `channel` `message`. */
  publish(channel: string, message: string): void;
}

interface QueuedWrite {
  readonly operation: string;
  readonly build: (batch: WriteBatch) => void;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Runs a batch's commands in order. KEYS are the keys written; ARGV holds,
 * per command, its letter (S: SET value PX ttl; D: DEL; P: PUBLISH channel
 * message) and its arguments. One script call costs the client one command
 * however many writes it carries: a tracker write per job is then almost
 * free next to BullMQ's own commands. Sent with EVAL every time (Redis caches
 * it by its hash), so a Redis restart or SCRIPT FLUSH needs no reload, which
 * could reorder writes.
 */
const BATCH_SCRIPT = `local k = 1
local a = 1
local n = #ARGV
while a <= n do
  local op = ARGV[a]
  if op == 'S' then
    redis.call('SET', KEYS[k], ARGV[a + 1], 'PX', ARGV[a + 2])
    k = k + 1
    a = a + 3
  elseif op == 'D' then
    redis.call('DEL', KEYS[k])
    k = k + 1
    a = a + 1
  else
    redis.call('PUBLISH', ARGV[a + 1], ARGV[a + 2])
    a = a + 3
  end
end
return k - 1`;

/** Most commands per script call: bounds how long Redis spends on one. */
const MAX_COMMANDS = 3000;

/**
 * The tracker's writes, sent in the order they are made, as one script call
 * per tick: a burst of jobs (a `Promise.all` of starts, workers finishing
 * together) costs one socket write, one round trip and one client command
 * instead of one per Redis command, and a write never overtakes an earlier
 * one, awaited or not, so a caller may send a status without waiting for its
 * reply before the next.
 *
 * Each write's commands are built when the batch is sent, so they read the
 * tracker's state (pending progress, active jobs) as of that moment. A failed
 * batch fails every write in it.
 */
export class WriteQueue {
  private pending: QueuedWrite[] = [];

  constructor(private readonly connection: RedisConnection) {}

  /** Queues `build`'s commands for this tick's batch; fails at once while Redis is away. */
  write(operation: string, build: (batch: WriteBatch) => void): Promise<void> {
    // A lazy client is still to connect: the batch's send connects it.
    if (this.connection.failsFast && this.connection.client.status !== 'wait')
      return Promise.reject(this.connection.unavailable(operation));
    return new Promise<void>((resolve, reject) => {
      // After the current microtasks: every write of this burst joins the batch.
      if (this.pending.length === 0) process.nextTick(() => this.send());
      this.pending.push({ operation, build, resolve, reject });
    });
  }

  private send(): void {
    const writes = this.pending;
    this.pending = [];
    this.connection
      .run(writes[0]!.operation, (client) => {
        const calls: Array<Promise<unknown>> = [];
        let keys: string[] = [];
        let args: string[] = [];
        let commands = 0;
        const flush = (): void => {
          if (commands === 0) return;
          calls.push(client.call('eval', [BATCH_SCRIPT, String(keys.length), ...keys, ...args]));
          keys = [];
          args = [];
          commands = 0;
        };
        const batch: WriteBatch = {
          set(key, value, ttl) {
            keys.push(key);
            args.push('S', value, String(ttl));
            if (++commands >= MAX_COMMANDS) flush();
          },
          del(key) {
            keys.push(key);
            args.push('D');
            if (++commands >= MAX_COMMANDS) flush();
          },
          publish(channel, message) {
            args.push('P', channel, message);
            if (++commands >= MAX_COMMANDS) flush();
          },
        };
        for (const write of writes) write.build(batch);
        flush();
        return Promise.all(calls);
      })
      .then(
        () => {
          for (const write of writes) write.resolve();
        },
        (error: unknown) => {
          for (const write of writes) write.reject(ownError(error, write.operation));
        },
      );
  }
}

/** An outage names the call that failed, not the first one of its batch. */
function ownError(error: unknown, operation: string): unknown {
  if (!(error instanceof TrackerUnavailableError) || error.operation === operation) return error;
  return new TrackerUnavailableError(error.store, operation, error.reason, error.cause);
}
