import { describe, expect, it } from "vitest";
import { startLoopbackServer } from "../../support/loopbackServer";
import { accepts, freePort, isAlive, launcherEnv, spawnLauncher, startLauncher } from "./launcherProcess";

describe("npm start launcher: lifecycle", () => {
  it("starts Azurite, the emulator and the dev host, says which, and prints the URL and the churn curl", async () => {
    const launcher = await startLauncher();
    try {
      const out = launcher.process.output("stdout");
      expect(out).toContain("[start] functions host: dev host");
      expect(out).toMatch(
        /AICORE_SERVICE_KEY is unset: the relay uses the bundled AI Core emulator at http:\/\/127\.0\.0\.1:\d+/,
      );
      expect(out).toContain(
        `curl -s -X POST http://localhost:${launcher.port}/api/models/churn/predict -H 'Content-Type: application/json' -d '{"region":3,"tenure":37,"age":53,"address":13,"income":48,"employ":10,"gender":0,"equip":0}'`,
      );
      expect(out).not.toContain("clientsecret");
      expect(launcher.childPids).toHaveLength(3);
      const health = await fetch(`${launcher.base}/health`);
      expect(health.status).toBe(200);
    } finally {
      await launcher.process.stop();
    }
  });

  it("stops every child on SIGTERM and leaves no process and no listening port behind", async () => {
    const launcher = await startLauncher();
    const emulatorPort = Number(new URL(launcher.emulatorUrl).port);
    const ports = [launcher.port, emulatorPort, ...launcher.azuritePorts];
    for (const port of ports) expect(await accepts(port)).toBe(true);

    expect(await launcher.process.stop("SIGTERM")).toBe(0);

    for (const pid of launcher.childPids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    for (const port of ports) expect(await accepts(port), `port ${port}`).toBe(false);
  });

  it("stops every child on Ctrl-C (SIGINT) too", async () => {
    const launcher = await startLauncher();
    expect(await launcher.process.stop("SIGINT")).toBe(0);
    for (const pid of launcher.childPids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(await accepts(launcher.port)).toBe(false);
  });

  it("fails with one line naming the port when a second launcher wants the same PORT", async () => {
    const first = await startLauncher();
    try {
      const second = spawnLauncher(launcherEnv(first.port));
      expect(await second.exited).toBe(1);
      const errors = second.output("stderr").split("\n").filter(Boolean);
      expect(errors).toEqual([`[start] failed: port ${first.port} is already in use (PORT)`]);
      expect(second.output("stdout")).not.toMatch(/started .* \(pid/);
      // The first one is unharmed.
      expect((await fetch(`${first.base}/health`)).status).toBe(200);
    } finally {
      await first.process.stop();
    }
  });

  it.each([
    [{ AICORE_RESOURCE_GROUP: "not a group!" }, "AICORE_RESOURCE_GROUP is not a resource group id"],
    [{ MAX_BODY_BYTES: "lots" }, "MAX_BODY_BYTES is not a whole number"],
    [{ MODEL_CATALOG: "missing.json" }, "MODEL_CATALOG: cannot read"],
    [
      { AICORE_SERVICE_KEY: '{"clientid": "c",\n "clientsecret": "s3cr3t" "url": 1}' },
      "AICORE_SERVICE_KEY is not valid JSON (line 2, column 27: comma expected;",
    ],
    [
      { EMULATOR_FAULTS: '{"rules": [' },
      "EMULATOR_FAULTS is not valid JSON (line 1, column 12: close bracket expected)",
    ],
  ])(
    "checks the settings before it starts anything: %o fails with one line, no child started",
    async (extra, reason) => {
      const port = await freePort();
      const launched = spawnLauncher(launcherEnv(port, extra));
      expect(await launched.exited).toBe(1);
      expect(launched.output("stderr").split("\n")).toEqual([
        expect.stringContaining(`[start] failed: ${reason}`),
      ]);
      expect(launched.output("stdout")).not.toMatch(/started|Azurite|emulator/);
    },
  );

  it("does not take three plain HTTP servers on the Azurite ports for Azurite: one line, nothing started", async () => {
    const servers = await Promise.all(
      [0, 1, 2].map(() =>
        startLoopbackServer((_request, response) => {
          response.end("not Azurite");
        }),
      ),
    );
    try {
      const ports = servers.map((server) => server.port);
      const launched = spawnLauncher(launcherEnv(await freePort(), { RELAY_AZURITE_PORTS: ports.join(",") }));
      expect(await launched.exited).toBe(1);
      expect(launched.output("stderr").split("\n")).toEqual([
        expect.stringMatching(
          new RegExp(
            `^\\[start\\] failed: port ${ports[0]} \\(blob\\), ${ports[1]} \\(queue\\), ${ports[2]} \\(table\\) is already in use by something other than a complete Azurite`,
          ),
        ),
      ]);
      expect(launched.output("stdout")).not.toContain("using it");
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it("uses a given AICORE_SERVICE_KEY and starts no emulator", async () => {
    const serviceKey = JSON.stringify({
      clientid: "c",
      clientsecret: "s",
      url: "http://127.0.0.1:9",
      serviceurls: { AI_API_URL: "http://127.0.0.1:9" },
    });
    const port = await freePort();
    const launched = spawnLauncher(launcherEnv(port, { AICORE_SERVICE_KEY: serviceKey }));
    try {
      await launched.waitForLine(/^\[start\] Ctrl-C stops everything\.$/, 60_000);
      const out = launched.output("stdout");
      expect(out).toContain("[start] AICORE_SERVICE_KEY is set: using it, no emulator");
      expect(out).not.toContain("emulator at");
    } finally {
      expect(await launched.stop()).toBe(0);
    }
  });
});
