// The machine a benchmark ran on and how busy it was: cores, CPU model, node, load average, Linux pressure
// stall information, and a process's CPU time from /proc.
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

/** Linux pressure stall information: share of the last 60 s some task waited for a CPU / for I/O. */
export function pressure(): { cpuSome60: number; ioSome60: number } | null {
  try {
    const read = (what: string): number => Number(/avg60=([0-9.]+)/.exec(readFileSync(`/proc/pressure/${what}`, 'utf8'))![1]);
    return { cpuSome60: read('cpu'), ioSome60: read('io') };
  } catch {
    return null;
  }
}

/** Linux PSI: microseconds during which some task waited for a CPU, since boot (null when unavailable). */
export function cpuStallMicros(): number | null {
  try {
    return Number(/some .*total=([0-9]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))![1]);
  } catch {
    return null;
  }
}

export function busyText(): string {
  const p = pressure();
  return `load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}` +
    (p === null ? '' : `, CPU pressure ${p.cpuSome60.toFixed(0)}% and I/O pressure ${p.ioSome60.toFixed(0)}% (some, avg60)`);
}

const load = (): number[] => loadavg().map((x) => Number(x.toFixed(2)));

export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  loadavg: number[];
  pressure: ReturnType<typeof pressure>;
}

export function machine(): Machine {
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    loadavg: load(),
    pressure: pressure(),
  };
}

/** `m` (taken before the run) with the load average and pressure now, for the results file. */
export function machineAfter(m: Machine): Machine & { loadavgAfter: number[]; pressureAfter: ReturnType<typeof pressure> } {
  return { ...m, loadavgAfter: load(), pressureAfter: pressure() };
}
