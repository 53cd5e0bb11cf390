import { type ChildProcess, spawn } from "node:child_process";
import { stopChild } from "../../test/support/stopChild";

export interface ServingProcess {
  name: string;
  url: string;
  pid: number;
  /** Everything it printed, for a failure report. */
  output(): string;
  stop(): Promise<void>;
}

const READY = /listening at (http:\/\/[^\s]+)/;

/**
 * Starts `node <args>` and resolves once it printed `listening at <url>` (the dev host's and the bare servers'
 * ready line). Its output is read (and kept, last 64 KiB) so that a full pipe never slows it down.
 */
export async function startServingProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
): Promise<ServingProcess & { startedAt: number; readyAt: number }> {
  const startedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const keep = (chunk: string) => {
    text = (text + chunk).slice(-65_536);
  };
  child.stdout?.setEncoding("utf8").on("data", keep);
  child.stderr?.setEncoding("utf8").on("data", keep);
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = READY.exec(text);
      if (!match?.[1]) return;
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      resolve(match[1]);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`${name} exited (${code}) before it was ready:\n${text}`));
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
  const readyAt = performance.now();
  return {
    name,
    url,
    pid: child.pid ?? -1,
    startedAt,
    readyAt,
    output: () => text,
    stop: () => stopChild(child),
  };
}
