import { Subject, type Observable, type Observer, type Subscription } from 'rxjs';
import type { JobEvent } from '../interfaces/job-event.interface.js';

/**
 * The lifecycle events of this process's jobs: one stream of them all
 * (`events$`), and one per job for the jobs someone follows. A job nobody
 * listens to costs no event: callers ask {@link isFollowed} before building
 * one.
 */
export class JobEventBus {
  private readonly all = new Subject<JobEvent>();
  private readonly perJob = new Map<string, Subject<JobEvent>>();
  readonly events$: Observable<JobEvent> = this.all.asObservable();

  /** Whether anyone listens to every job's events. */
  get observed(): boolean {
    return this.all.observed;
  }

  /** Whether anyone listens to the events of job `id`. */
  isFollowed(id: string): boolean {
    return this.all.observed || this.perJob.has(id);
  }

  publish(event: JobEvent): void {
    this.all.next(event);
    this.perJob.get(event.id)?.next(event);
  }

  /** Job `id`'s own events until it ends; its stream goes when its last subscriber leaves. */
  follow(id: string, observer: Partial<Observer<JobEvent>>): Subscription {
    let stream = this.perJob.get(id);
    if (!stream) this.perJob.set(id, (stream = new Subject<JobEvent>()));
    const subscription = stream.subscribe(observer);
    const own = stream;
    subscription.add(() => {
      if (!own.observed && this.perJob.get(id) === own) this.perJob.delete(id);
    });
    return subscription;
  }

  /** Job `id` has ended: its followers' streams complete. */
  end(id: string): void {
    const stream = this.perJob.get(id);
    if (!stream) return;
    this.perJob.delete(id);
    stream.complete();
  }

  /** Shutdown: `events$` completes. */
  complete(): void {
    this.all.complete();
  }
}
