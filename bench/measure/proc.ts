import { readFileSync } from "node:fs";

/** Clock ticks per second for /proc times (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms; 0 once it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU time the whole machine has spent so far, in ms summed over its cores (/proc/stat): busy
 * (user, nice, system, irq, softirq) and stolen by the hypervisor. Over a window, busy minus the
 * measured processes' CPU is what everything else ran meanwhile.
 */
export function machineCpuMs(): { busy: number; steal: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  const ms = (ticks: number): number => (ticks * 1000) / TICKS_PER_SECOND;
  return { busy: ms(user! + nice! + system! + irq! + softirq!), steal: ms(steal ?? 0) };
}

/** Resident memory of a process, in KB. */
export function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** CPU used by a set of processes between start() and stop(), in ms. */
export class CpuMeter {
  private readonly before = new Map<number, number>();

  constructor(private readonly pids: number[]) {}

  start(): void {
    for (const pid of this.pids) this.before.set(pid, cpuMs(pid));
  }

  /** CPU per process since start(), in ms. */
  stop(): Map<number, number> {
    return new Map(this.pids.map((pid) => [pid, cpuMs(pid) - (this.before.get(pid) ?? 0)]));
  }
}
