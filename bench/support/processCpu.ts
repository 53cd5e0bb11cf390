import { readdirSync, readFileSync } from "node:fs";

/** CPU seconds (user + system) this process and each of its child processes used so far, by a short name. */
export type CpuSeconds = Record<string, number>;

/** Linux reports CPU time in clock ticks; 100 per second on every mainstream kernel build (USER_HZ). */
const TICKS_PER_SECOND = 100;

function cpuOf(pid: string): { ppid: string; seconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) in parentheses: state ppid ... utime(14) stime(15).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      ppid: fields[1] ?? "",
      seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    };
  } catch {
    return undefined;
  }
}

function nameOf(pid: string, names: [RegExp, string][]): string {
  let command = "";
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {}
  return names.find(([pattern]) => pattern.test(command))?.[1] ?? `pid ${pid}`;
}

/**
 * Reads /proc (Linux only; elsewhere only this process is seen): which process spent the machine's CPU during a
 * phase of the benchmark. `names` maps a pattern of a child's command line to the name reported.
 */
export function cpuSeconds(names: [RegExp, string][]): CpuSeconds {
  const self = String(process.pid);
  const result: CpuSeconds = { bench: cpuOf(self)?.seconds ?? 0 };
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {}
  for (const pid of pids) {
    const cpu = cpuOf(pid);
    if (cpu?.ppid !== self) continue;
    const name = nameOf(pid, names);
    result[name] = (result[name] ?? 0) + cpu.seconds;
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
  try {
    const [, ...ticks] = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
    return (
      ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) /
      TICKS_PER_SECOND
    );
  } catch {
    return 0;
  }
}
