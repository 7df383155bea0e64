/**
 * Cancelling a named job that does not run in this process, from what
 * BullMQ holds: a job no worker has taken yet is removed from its queue; an
 * active one can only be stopped by the process running it, so it is
 * signalled.
 */
import type { Queue } from 'bullmq';
import type { RemoteCancel } from '../transport/job-transport.interface.js';
import { WAITING_STATES } from './bullmq-job-status.js';
import type { QueueJob } from './job-data.js';
import { holdsSecret, parseNumberedId } from './queue-job-id.js';

/** Looks for job `id` in `queues`, in order; `signal` asks the process running it to cancel it. */
export async function cancelInQueues(queues: readonly Queue[], id: string, signal: (id: string) => Promise<void>): Promise<RemoteCancel> {
  const numbered = parseNumberedId(id);
  for (const queue of queues) {
    const job = (await queue.getJob(numbered?.queueJobId ?? id)) as QueueJob | undefined;
    // Each queue numbers its own jobs: the same number in another queue is another job.
    if (!job || !holdsSecret(job.data, numbered)) continue;
    const state = await job.getState();
    if (WAITING_STATES.has(state)) {
      try {
        await job.remove();
        return 'removed';
      } catch {
        // Taken by a worker meanwhile (locked): it is active now.
      }
    } else if (state !== 'active') {
      return 'absent';
    }
    await signal(id);
    return 'signalled';
  }
  return 'absent';
}
