/**
 * Where a job lives in Redis. The progress key is tgext.asyncjob's: the job
 * id (behind the prefix) holding the JSON array `[value, data]`, so tools
 * written for the original can still read it.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** `[value, data]` while the job is tracked; deleted when it finishes. */
  progress(id: string): string {
    return `${this.prefix}${id}`;
  }

  /** The job's `JobStatus` as JSON. */
  status(id: string): string {
    return `${this.prefix}${id}:status`;
  }

  /** Pub/sub channel announcing that the job's progress or status changed. */
  channel(id: string): string {
    return `${this.prefix}${id}:changes`;
  }
}
