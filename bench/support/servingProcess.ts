import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { isListening } from "../../src/dev/launcher/ports";
import { stopChild } from "../../test/support/stopChild";

export interface ServingProcess {
  name: string;
  url: string;
  pid: number;
  /** Everything it printed, for a failure report (nothing when its output goes nowhere). */
  output(): string;
  stop(): Promise<void>;
}

export interface ServingOptions {
  /**
   * `read` (default): its output is read and kept (last 64 KiB), so a full pipe never slows it down; `nowhere`: its
   * stdout and stderr are /dev/null, as a process whose output nobody collects. Then `port` is required (there is
   * no ready line to read the port from) and readiness is a connection the port accepts.
   */
  output?: "read" | "nowhere";
  port?: number;
}

const READY = /listening at (http:\/\/[^\s]+)/;

/** A port free right now on 127.0.0.1 (the kernel's pick, released again). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function listening(child: ChildProcess, name: string, port: number): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before it was ready`);
    if (await isListening(port)) return `http://127.0.0.1:${port}`;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} did not listen on ${port} within 30 s`);
}

/**
 * Starts `node <args>` and resolves once it is ready: it printed `listening at <url>` (the dev host's and the bare
 * servers' ready line), or, with its output going nowhere, its port accepts a connection.
 */
export async function startServingProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  options: ServingOptions = {},
): Promise<ServingProcess & { startedAt: number; readyAt: number }> {
  const startedAt = performance.now();
  const nowhere = options.output === "nowhere";
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", nowhere ? "ignore" : "pipe", nowhere ? "ignore" : "pipe"],
  });
  let text = "";
  const keep = (chunk: string) => {
    text = (text + chunk).slice(-65_536);
  };
  child.stdout?.setEncoding("utf8").on("data", keep);
  child.stderr?.setEncoding("utf8").on("data", keep);
  const url = nowhere
    ? await listening(child, name, options.port ?? 0)
    : await new Promise<string>((resolve, reject) => {
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
