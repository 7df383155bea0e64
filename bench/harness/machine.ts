import { cpus, loadavg, release, totalmem, type } from 'node:os';

/** The machine a run (the benchmark, the chaos run) measured on, as its report names it. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly loadAverage: readonly number[];
  readonly startedAt: string;
}

export function machineInfo(): MachineInfo {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    loadAverage: loadavg(),
    startedAt: new Date().toISOString(),
  };
}

/** `Machine: …; load average at start …; run <date>.` */
export function describeMachine(machine: MachineInfo): string {
  return (
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, ${machine.os}, Node ${machine.node}; ` +
    `load average at start ${machine.loadAverage.map((load) => load.toFixed(2)).join(' / ')}; run ${machine.startedAt}.`
  );
}
