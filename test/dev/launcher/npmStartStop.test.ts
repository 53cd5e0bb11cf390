import { cpSync, existsSync, realpathSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, isolatedApp, REPO_ROOT } from "../../support/isolatedApp";
import { CHURN_EXAMPLE } from "../../support/world";
import { DevHostProcess } from "../host/devHostProcess";
import { accepts, freePort, isAlive } from "./launcherProcess";

/**
 * Black box, the newcomer's path: in a fresh copy of the app (sources, no dist), `cp local.settings.example.json
 * local.settings.json`, `npm start` (which builds first), then a stop by the PID that `npm start` returned, as
 * systemd, Docker, IDE tasks and scripts stop a process. Everything it started must be gone within 5 s.
 */

const STOPPED_WITHIN_MS = 5_000;

const app = isolatedApp({ sources: true });
cpSync(path.join(REPO_ROOT, "local.settings.example.json"), path.join(app.root, "local.settings.json"));
afterAll(() => app.remove());

/** npm's own CLI script: `npm` on PATH is a link to it (the PID of `node npm-cli.js` is npm's PID). */
function npmCli(): string {
  const fromNpm = process.env.npm_execpath;
  if (fromNpm?.endsWith("npm-cli.js")) return fromNpm;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    const candidate = path.join(dir, "npm");
    if (dir && existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error("npm is not on PATH");
}

async function untilAllFalse(check: () => Promise<boolean[]>, withinMs: number): Promise<boolean[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const states = await check();
    if (states.every((s) => !s) || Date.now() > deadline) return states;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("npm start, stopped by the PID npm start returned", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "%s to npm's PID stops every child and frees every port within 5 s",
    async (signal) => {
      const port = await freePort();
      const npm = new DevHostProcess(
        ["start"],
        cleanEnv({
          PORT: String(port),
          RELAY_AZURITE_PORTS: "0",
          EMULATOR_PORT: "0",
          RELAY_FUNCTIONS_HOST: "devhost",
          npm_config_update_notifier: "false",
        }),
        npmCli(),
        false,
        app.root,
      );
      try {
        await npm.waitForLine(/^\[start\] Ctrl-C stops everything\.$/, 120_000);
        // The example settings start as they are: the emulator stands in for AI Core, the relay answers.
        const predict = await fetch(`http://localhost:${port}/api/models/churn/predict`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(CHURN_EXAMPLE),
        });
        expect(predict.status, await predict.text()).toBe(200);

        const emulator = await npm.waitForLine(/bundled AI Core emulator at http:\/\/127\.0\.0\.1:(\d+)/, 1);
        const azurite = await npm.waitForLine(/Azurite listens on blob (\d+), queue (\d+), table (\d+)/, 1);
        const ports = [port, emulator[1], azurite[1], azurite[2], azurite[3]].map(Number);
        const pids = npm.lines
          .map((l) => /^\[start\] started .* \(pid (\d+)\)$/.exec(l.text)?.[1])
          .filter((pid): pid is string => pid !== undefined)
          .map(Number);
        expect(pids).toHaveLength(3);
        for (const p of ports) expect(await accepts(p), `port ${p}`).toBe(true);

        // npm waits for its child, the launcher (`exec` in the script), so its exit means the launcher's.
        npm.child.kill(signal);
        expect(await npm.exited).toBe(0);

        const listening = await untilAllFalse(() => Promise.all(ports.map(accepts)), STOPPED_WITHIN_MS);
        expect(Object.fromEntries(ports.map((p, i) => [p, listening[i]]))).toEqual(
          Object.fromEntries(ports.map((p) => [p, false])),
        );
        const alive = await untilAllFalse(async () => pids.map(isAlive), STOPPED_WITHIN_MS);
        expect(alive).toEqual([false, false, false]);
        expect(npm.output().match(new RegExp(`\\[start\\] ${signal}: stopping`, "g"))).toHaveLength(1);
        expect(npm.output("stderr")).not.toMatch(/failed|unexpectedly/);
      } finally {
        if (npm.child.exitCode === null) await npm.stop();
      }
    },
    150_000,
  );
});
