import { readFileSync } from "node:fs";
import { cpuMicros } from "./procStat";

/** CPU seconds (user + system) this process and each of its child processes used so far, by a short name. */
export type CpuSeconds = Record<string, number>;

/** Linux reports CPU time in clock ticks; 100 per second on every mainstream kernel build (USER_HZ). */
const TICKS_PER_SECOND = 100;

function read(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** This process's children (spawned from its main thread), from /proc. */
function childPids(): number[] {
  const text = read(`/proc/${process.pid}/task/${process.pid}/children`);
  return text.split(/\s+/).filter(Boolean).map(Number);
}

function secondsOf(pid: number): number {
  try {
    return cpuMicros(pid) / 1_000_000;
  } catch {
    return 0; // exited meanwhile
  }
}

/**
 * Which process spent the machine's CPU during a phase of the benchmark (Linux /proc). `names` maps a pattern of a
 * child's command line to the name reported; this process is `bench`.
 */
export function cpuSeconds(names: [RegExp, string][]): CpuSeconds {
  const result: CpuSeconds = { bench: secondsOf(process.pid) };
  for (const pid of childPids()) {
    const command = read(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
    const name = names.find(([pattern]) => pattern.test(command))?.[1] ?? `pid ${pid}`;
    result[name] = (result[name] ?? 0) + secondsOf(pid);
  }
  return result;
}

/** CPU seconds per name between two readings. */
export function cpuSpent(before: CpuSeconds, after: CpuSeconds): CpuSeconds {
  const spent: CpuSeconds = {};
  for (const [name, seconds] of Object.entries(after)) spent[name] = seconds - (before[name] ?? 0);
  return spent;
}

/** CPU seconds the whole machine spent busy (all processes, all cores) so far, from /proc/stat; 0 elsewhere. */
export function machineBusySeconds(): number {
  const [, ...ticks] = (read("/proc/stat").split("\n")[0] ?? "").trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, t) => sum + (t || 0), 0);
  return busy / TICKS_PER_SECOND;
}
