import type { ChildProcess } from "node:child_process";
import { once } from "node:events";

/** Stops a child with SIGTERM and waits for its exit; SIGKILL after 10 s is a safety net, cleared once it exits. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  try {
    await exited;
  } finally {
    clearTimeout(killer);
  }
}
