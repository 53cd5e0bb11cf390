import { spawn } from "node:child_process";
import path from "node:path";
import { startServingProcess } from "./servingProcess";

const LOAD_PROBE = path.resolve(__dirname, "../servers/loadProbe.js");

/** Milliseconds a fresh `node` process takes to require `files` (measured inside it, core module stubbed). */
export async function moduleLoadMs(files: string[], env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, [LOAD_PROBE, ...files], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const ms = Number(out.trim().split("\n").at(-1));
  if (code !== 0 || !Number.isFinite(ms)) throw new Error(`load probe failed (${code}): ${err || out}`);
  return ms;
}

/**
 * Milliseconds from spawning `node <args>` (a dev host) to the first 200 answer of a prediction sent as soon as
 * it printed its ready line. The process is stopped afterwards.
 */
export async function startToFirst200Ms(
  args: string[],
  env: Record<string, string>,
  path: string,
  body: string,
): Promise<number> {
  const host = await startServingProcess("cold start", args, env);
  try {
    const answer = await fetch(`${host.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    const text = await answer.text();
    if (answer.status !== 200) throw new Error(`first prediction answered ${answer.status}: ${text}`);
    return performance.now() - host.startedAt;
  } finally {
    await host.stop();
  }
}
