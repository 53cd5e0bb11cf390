import path from "node:path";
import { Child } from "./child";

export interface RunningEmulator {
  child: Child;
  url: string;
  /** The generated service key (holds a client secret: never print it). */
  serviceKey: unknown;
}

interface ReadyLine {
  event: "ready";
  url: string;
  serviceKey: unknown;
}

function parseReady(line: string): ReadyLine | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<ReadyLine>;
    if (parsed.event === "ready" && typeof parsed.url === "string" && parsed.serviceKey)
      return parsed as ReadyLine;
  } catch {
    // not the ready line
  }
  return undefined;
}

/** Starts the bundled AI Core emulator (`dist/src/dev/emulator/main.js`) and awaits its ready line. */
export async function startEmulator(appRoot: string, env: NodeJS.ProcessEnv): Promise<RunningEmulator> {
  const main = path.join(appRoot, "dist", "src", "dev", "emulator", "main.js");
  const child = new Child("emulator", process.execPath, [main], {
    env: { ...env, EMULATOR_PORT: env.EMULATOR_PORT ?? "0" },
    cwd: appRoot,
    // The ready line carries the service key and its secret: never echo it.
    echoStdout: (line) => parseReady(line) === undefined,
  });
  try {
    const ready = await child.waitFor(
      (line, stream) => (stream === "stdout" ? parseReady(line) : undefined),
      30_000,
    );
    return { child, url: ready.url, serviceKey: ready.serviceKey };
  } catch (error) {
    await child.stop();
    throw new Error(
      `the AI Core emulator did not start: ${(error as Error).message.replace(/^aicore emulator: /, "")}`,
    );
  }
}
