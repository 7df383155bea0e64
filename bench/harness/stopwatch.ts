/** Wall-clock and CPU time (user + system, every thread) of a stretch of work, in µs. */
export interface Span {
  readonly wall: number;
  readonly cpu: number;
}

/**
 * Times work in wall-clock and CPU time at once. CPU time is reported beside
 * wall time because on a shared machine another process's load stretches
 * the wall time of whatever runs, but not (much) its CPU time.
 */
export class Stopwatch {
  private wall = process.hrtime.bigint();
  private cpu = process.cpuUsage();

  /** Time since the start or the previous lap; starts the next lap. */
  lap(): Span {
    const wall = process.hrtime.bigint();
    const used = process.cpuUsage(this.cpu);
    const span = { wall: Number(wall - this.wall) / 1000, cpu: used.user + used.system };
    this.wall = wall;
    this.cpu = process.cpuUsage();
    return span;
  }
}

/** The span of `work`. */
export async function timeSpan(work: () => Promise<unknown>): Promise<Span> {
  const stopwatch = new Stopwatch();
  await work();
  return stopwatch.lap();
}
