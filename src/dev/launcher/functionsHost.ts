import { existsSync } from "node:fs";
import path from "node:path";
import { Child } from "./child";
import { isListening } from "./ports";

export type FunctionsHostKind = "func" | "devhost";

/** `func` from node_modules/.bin or PATH, or undefined when Core Tools are not installed. */
export function findFunc(appRoot: string, env: NodeJS.ProcessEnv): string | undefined {
  const names = process.platform === "win32" ? ["func.cmd", "func.exe", "func"] : ["func"];
  const dirs = [path.join(appRoot, "node_modules", ".bin"), ...(env.PATH ?? "").split(path.delimiter)];
  for (const dir of dirs) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** RELAY_FUNCTIONS_HOST=func|devhost forces a choice; otherwise `func` when installed, else the dev host. */
export function chooseFunctionsHost(
  appRoot: string,
  env: NodeJS.ProcessEnv,
): { kind: FunctionsHostKind; func?: string; why: string } {
  const forced = env.RELAY_FUNCTIONS_HOST?.trim();
  if (forced && forced !== "func" && forced !== "devhost") {
    throw new Error(`RELAY_FUNCTIONS_HOST must be "func" or "devhost", got '${forced}'`);
  }
  const func = findFunc(appRoot, env);
  if (forced === "devhost") return { kind: "devhost", why: "RELAY_FUNCTIONS_HOST=devhost" };
  if (forced === "func") {
    if (!func)
      throw new Error("RELAY_FUNCTIONS_HOST=func but Azure Functions Core Tools (func) are not installed");
    return { kind: "func", func, why: "RELAY_FUNCTIONS_HOST=func" };
  }
  if (func) return { kind: "func", func, why: `Azure Functions Core Tools found at ${func}` };
  return {
    kind: "devhost",
    why: "Azure Functions Core Tools (func) are not installed; the dev host is a local stand-in, not the Functions runtime",
  };
}

const DEVHOST_READY = /^dev host listening at (http:\/\/\S+)$/;

/** Starts the relay's functions host and resolves with its base URL once it accepts requests. */
export async function startFunctionsHost(options: {
  kind: FunctionsHostKind;
  func?: string;
  appRoot: string;
  port: number;
  env: NodeJS.ProcessEnv;
}): Promise<{ child: Child; baseUrl: string }> {
  const { appRoot, port, env } = options;
  if (options.kind === "func") {
    // Core Tools asks for the worker runtime on stdin when it is not set, and the launcher has no stdin.
    const child = new Child("func", options.func ?? "func", ["start", "--port", String(port)], {
      env: { ...env, FUNCTIONS_WORKER_RUNTIME: "node" },
      cwd: appRoot,
    });
    const deadline = Date.now() + 120_000;
    while (!(await isListening(port))) {
      if (!child.running) {
        const status = await child.exited;
        child.releaseErrors(false);
        throw new Error(`func start failed: ${child.failureReason(status)}`);
      }
      if (Date.now() > deadline) {
        await child.stop();
        throw new Error(`func start did not listen on port ${port} within 120 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    child.releaseErrors(true);
    return { child, baseUrl: `http://localhost:${port}` };
  }
  const main = path.join(appRoot, "dist", "src", "dev", "host", "main.js");
  const child = new Child("relay", process.execPath, [main, "--app-root", appRoot, "--port", String(port)], {
    env,
    cwd: appRoot,
  });
  try {
    const url = await child.waitFor((line) => DEVHOST_READY.exec(line)?.[1], 60_000);
    const listenPort = new URL(url).port;
    return { child, baseUrl: `http://localhost:${listenPort}` };
  } catch (error) {
    await child.stop();
    throw new Error((error as Error).message.replace(/^dev host: /, ""));
  }
}
