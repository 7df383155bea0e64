import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosSettings } from '../app/settings.js';
import { ChaosChild } from './chaos-child.js';
import type { Random } from './random.js';

/** Where a process's output goes once it has exited (the run's log file). */
export type LogSink = (name: string, output: string) => void;

/**
 * The worker processes of one engine's run, one per slot. A worker that
 * exits (killed by the run, or of its own accord) is started again at once
 * under a new name (`w2.3`: slot 2, third start), until the crew stops.
 */
export class Crew {
  private readonly slots: (ChaosChild | undefined)[];
  private readonly starts: number[];
  private readonly killed = new Set<ChaosChild>();
  private readonly restarting = new Set<Promise<void>>();
  private stopping = false;
  /** SIGKILLs sent by the run. */
  kills = 0;
  /** Workers that exited without being killed or closed (a crash is a finding). */
  crashes = 0;

  private constructor(
    size: number,
    private readonly settings: (name: string) => ChaosSettings,
    private readonly sink: LogSink,
  ) {
    this.slots = Array.from({ length: size }, () => undefined);
    this.starts = this.slots.map(() => 0);
  }

  static async start(size: number, settings: (name: string) => ChaosSettings, sink: LogSink): Promise<Crew> {
    const crew = new Crew(size, settings, sink);
    await Promise.all(crew.slots.map((_, slot) => crew.fill(slot)));
    return crew;
  }

  /** The workers alive and ready now. */
  get live(): ChaosChild[] {
    return this.slots.filter((child): child is ChaosChild => child?.isAlive === true);
  }

  /** SIGKILLs one live worker picked at random (none when all are starting); its slot starts a new one. */
  async killOne(random: Random): Promise<string | undefined> {
    const live = this.live;
    const victim = live[Math.floor(random() * live.length)];
    if (!victim) return undefined;
    this.killed.add(victim);
    this.kills++;
    await victim.kill();
    return victim.name;
  }

  /** Closes every worker (their shutdown hooks run); no worker is started again. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.restarting);
    await Promise.all(this.slots.map((child) => child?.stop()));
  }

  /** Starts a worker in `slot`, trying again every 0.5 s while it cannot start (its store may be down). */
  private async fill(slot: number): Promise<void> {
    while (!this.stopping) {
      const name = `w${slot + 1}.${++this.starts[slot]!}`;
      try {
        const child = await ChaosChild.start(this.settings(name));
        this.slots[slot] = child;
        void child.exited.then(() => this.exited(slot, child));
        return;
      } catch (error) {
        process.stderr.write(`  ${name} could not start (trying again): ${(error as Error).message.split('\n')[0]}\n`);
        this.sink(name, (error as Error).message);
        await sleep(500);
      }
    }
  }

  private exited(slot: number, child: ChaosChild): void {
    this.sink(child.name, child.log);
    if (this.stopping || this.slots[slot] !== child) return;
    if (!this.killed.delete(child)) {
      this.crashes++;
      process.stderr.write(`  ${child.name} exited by itself: its log is in the run's log file\n`);
    }
    this.slots[slot] = undefined;
    const restart = this.fill(slot).finally(() => this.restarting.delete(restart));
    this.restarting.add(restart);
  }
}
