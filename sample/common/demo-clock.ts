import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';

/**
 * The pauses that stand in for real work in the sample's jobs. A provider of
 * its own so that tests can replace it and step through a job instead of
 * sleeping.
 */
@Injectable()
export class DemoClock {
  /** Waits `ms`; rejects with an `AbortError` as soon as `signal` aborts (a cancelled job stops at once). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleep(ms, undefined, signal ? { signal } : {});
  }
}
