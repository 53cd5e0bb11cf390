import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll } from "vitest";
import { canListen } from "../../../src/dev/launcher/ports";
import { cleanEnv, type IsolatedApp, isolatedApp } from "../../support/isolatedApp";
import { DevHostProcess } from "../host/devHostProcess";

// One copy of the built app per test file: the launcher never sees the developer's local.settings.json or models.json.
let app: IsolatedApp | undefined;
afterAll(() => app?.remove());

export function launcherApp(): IsolatedApp {
  app ??= isolatedApp();
  return app;
}

/** The lowest port the kernel hands out for a bind to port 0 (Linux's ephemeral range; 32768 where unknown). */
function ephemeralPortsStart(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 12_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * A port nothing listens on, for a process started later: below the ephemeral range, so that no bind to port 0
 * in the meantime (Azurite's and the emulator's, started by the launcher before its functions host) can take it.
 */
export async function freePort(): Promise<number> {
  const below = ephemeralPortsStart();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (below - 10_000));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between 10000 and ${below}`);
}

export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface RunningLauncher {
  process: DevHostProcess;
  port: number;
  base: string;
  emulatorUrl: string;
  childPids: number[];
  azuritePorts: number[];
}

/**
 * Environment of a launcher that uses only free ports, its own Azurite and emulator, and the dev host; none of
 * the developer's own settings.
 */
export function launcherEnv(port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return cleanEnv({
    PORT: String(port),
    RELAY_AZURITE_PORTS: "0",
    EMULATOR_PORT: "0",
    RELAY_FUNCTIONS_HOST: "devhost",
    DEPLOYMENT_REFRESH_SCHEDULE: "*/2 * * * * *",
    ...extra,
  });
}

/** `node dist/src/dev/start.js` in this file's copy of the app (`npm start` without npm and the build). */
export function spawnLauncher(env: NodeJS.ProcessEnv): DevHostProcess {
  const root = launcherApp().root;
  return new DevHostProcess([], env, path.join(root, "dist", "src", "dev", "start.js"), false, root);
}

/** Starts a launcher on free ports and resolves once it says the relay is ready. */
export async function startLauncher(extra: NodeJS.ProcessEnv = {}): Promise<RunningLauncher> {
  const port = await freePort();
  const launched = spawnLauncher(launcherEnv(port, extra));
  await launched.waitForLine(/^\[start\] relay ready at (http:\/\/\S+)$/, 60_000);
  await launched.waitForLine(/^\[start\] Ctrl-C stops everything\.$/, 5_000);
  const emulator = await launched.waitForLine(/bundled AI Core emulator at (http:\/\/\S+)/, 1);
  const azurite = await launched.waitForLine(/Azurite listens on blob (\d+), queue (\d+), table (\d+)/, 1);
  const childPids = launched.lines
    .map((l) => /^\[start\] started .* \(pid (\d+)\)$/.exec(l.text)?.[1])
    .filter((pid): pid is string => pid !== undefined)
    .map(Number);
  return {
    process: launched,
    port,
    base: `http://localhost:${port}/api`,
    emulatorUrl: emulator[1] as string,
    childPids,
    azuritePorts: [azurite[1], azurite[2], azurite[3]].map(Number),
  };
}
