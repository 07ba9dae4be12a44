import { readFileSync } from "node:fs";

/** Milliseconds per /proc/stat tick (USER_HZ, 100 on every Linux architecture Node supports). */
const MS_PER_TICK = 10;

/**
 * CPU time the whole machine has spent busy so far, all CPUs together, in milliseconds: user,
 * nice, system, irq, softirq and steal (time a hypervisor gave to someone else) from the first
 * line of /proc/stat. Undefined off Linux.
 */
export function machineBusyMs(): number | undefined {
  try {
    const [label, ...fields] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]?.trim().split(/\s+/) ?? [];
    if (label !== "cpu") return undefined;
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, ticks) => sum + (ticks ?? 0), 0);
    return Number.isFinite(busy) ? busy * MS_PER_TICK : undefined;
  } catch {
    return undefined;
  }
}
