import { readFileSync } from "node:fs";

/** Scheduler accounting of this process's main thread (the event loop), from Linux schedstat. */
export interface MainThreadTime {
  /** Time it ran on a CPU, in nanoseconds. */
  readonly cpuNs: number;
  /** Time it was runnable but waiting for a CPU, in nanoseconds: the event loop starved. */
  readonly waitNs: number;
}

/** Undefined where /proc/<pid>/task/<pid>/schedstat does not exist (not Linux, no schedstats). */
export function mainThreadTime(): MainThreadTime | undefined {
  try {
    const [cpu, wait] = readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, "utf8").trim().split(/\s+/);
    const cpuNs = Number(cpu);
    const waitNs = Number(wait);
    return Number.isFinite(cpuNs) && Number.isFinite(waitNs) ? { cpuNs, waitNs } : undefined;
  } catch {
    return undefined;
  }
}
