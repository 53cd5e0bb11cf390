import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { FaultSnapshot } from "../../src/dev/emulator/faultInjector";
import type { RequestLogSnapshot } from "../../src/dev/emulator/requestLog";
import type { ServiceKey } from "../../src/dev/emulator/server";
import { stopChild } from "./stopChild";

/** The compiled CLI; `npm test` builds it first (pretest). */
export const EMULATOR_MAIN = path.resolve(__dirname, "../../dist/src/dev/emulator/main.js");

export interface EmulatorControl {
  requests(): Promise<RequestLogSnapshot>;
  resetRequests(): Promise<void>;
  addDeployment(deployment: Record<string, unknown>): Promise<Record<string, unknown>>;
  patchDeployment(id: string, fields: Record<string, unknown>): Promise<Record<string, unknown>>;
  deleteDeployment(id: string): Promise<void>;
  /** Seeded state and an empty request log. */
  reset(): Promise<void>;
  /** Finishes pending configuration patches and stops now; answers how many. */
  completeTransitions(): Promise<number>;
  /** Replaces the fault rules (`PUT /__emulator/faults`); answers them with fresh counters. */
  setFaults(rules: unknown[]): Promise<FaultSnapshot>;
  /** The fault rules with how many requests each saw and picked. */
  faults(): Promise<FaultSnapshot>;
  clearFaults(): Promise<void>;
  /** Every token issued so far answers 401 from now on, although none has expired. */
  revokeTokens(): Promise<void>;
}

export interface EmulatorProcess {
  url: string;
  serviceKey: ServiceKey;
  control: EmulatorControl;
  /** The child, for tests that look at its exit. */
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then waits for the exit (SIGKILL if it has not exited after 10 s). */
  stop(): Promise<void>;
}

interface ReadyLine {
  event: "ready";
  url: string;
  serviceKey: ServiceKey;
}

async function controlCall(url: string, method: string, route: string, body?: unknown): Promise<unknown> {
  const send = () =>
    fetch(`${url}/__emulator${route}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  // A test that kept the event loop busy for seconds may find its idle keep-alive socket closed by the
  // emulator before fetch noticed: that request never reached the emulator, so it is sent once more.
  const response = await send().catch((error: unknown) => {
    if ((error as { cause?: { message?: string } }).cause?.message !== "other side closed") throw error;
    return send();
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`emulator control ${method} ${route} answered ${response.status}: ${text}`);
  return text === "" ? undefined : JSON.parse(text);
}

function controlFor(url: string): EmulatorControl {
  return {
    requests: async () => (await controlCall(url, "GET", "/requests")) as RequestLogSnapshot,
    resetRequests: async () => {
      await controlCall(url, "POST", "/requests/reset");
    },
    addDeployment: async (deployment) =>
      (await controlCall(url, "POST", "/deployments", deployment)) as Record<string, unknown>,
    patchDeployment: async (id, fields) =>
      (await controlCall(url, "PATCH", `/deployments/${encodeURIComponent(id)}`, fields)) as Record<
        string,
        unknown
      >,
    deleteDeployment: async (id) => {
      await controlCall(url, "DELETE", `/deployments/${encodeURIComponent(id)}`);
    },
    reset: async () => {
      await controlCall(url, "POST", "/reset");
    },
    completeTransitions: async () =>
      ((await controlCall(url, "POST", "/transitions/complete")) as { completed: number }).completed,
    setFaults: async (rules) => (await controlCall(url, "PUT", "/faults", { rules })) as FaultSnapshot,
    faults: async () => (await controlCall(url, "GET", "/faults")) as FaultSnapshot,
    clearFaults: async () => {
      await controlCall(url, "DELETE", "/faults");
    },
    revokeTokens: async () => {
      await controlCall(url, "POST", "/tokens/revoke");
    },
  };
}

/** Waits for the first stdout line, or fails with what the process said on stderr if it exits first. */
function readyLine(
  child: ChildProcess,
  output: () => { stdout: string; stderr: string },
): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      const { stdout } = output();
      const end = stdout.indexOf("\n");
      if (end < 0) return;
      cleanUp();
      try {
        resolve(JSON.parse(stdout.slice(0, end)) as ReadyLine);
      } catch {
        reject(new Error(`emulator printed an unexpected first line: ${stdout.slice(0, end)}`));
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanUp();
      reject(new Error(`emulator exited (${code ?? signal}) before it was ready: ${output().stderr.trim()}`));
    };
    const cleanUp = () => {
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
    };
    const onError = (error: Error) => {
      cleanUp();
      reject(error);
    };
    // Registered after the collecting listener, so output() already holds the chunk.
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });
}

/** Starts `node dist/src/dev/emulator/main.js` and resolves once it printed its ready line. */
export async function startEmulatorProcess(env: Record<string, string> = {}): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [EMULATOR_MAIN], {
    env: { ...process.env, EMULATOR_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const output = () => ({ stdout, stderr });
  let ready: ReadyLine;
  try {
    ready = await readyLine(child, output);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    url: ready.url,
    serviceKey: ready.serviceKey,
    control: controlFor(ready.url),
    child,
    output,
    stop: () => stopChild(child),
  };
}
