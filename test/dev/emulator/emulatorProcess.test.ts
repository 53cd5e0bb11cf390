import { once } from "node:events";
import { connect, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type EmulatorProcess, startEmulatorProcess } from "../../support/emulatorProcess";

const started: EmulatorProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((emulator) => emulator.stop()));
});

async function start(env: Record<string, string> = {}): Promise<EmulatorProcess> {
  const emulator = await startEmulatorProcess(env);
  started.push(emulator);
  return emulator;
}

/** Resolves with the error code of a connection attempt, or "connected". */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}

async function token(emulator: EmulatorProcess): Promise<string> {
  const response = await fetch(`${emulator.serviceKey.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: emulator.serviceKey.clientid,
      client_secret: emulator.serviceKey.clientsecret,
    }).toString(),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

describe("the emulator as a process (dist/src/dev/emulator/main.js)", () => {
  it("prints one ready line with a service key that works, and serves the seeded deployment", async () => {
    const emulator = await start();
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.serviceKey).toMatchObject({
      url: emulator.url,
      serviceurls: { AI_API_URL: emulator.url },
    });

    const response = await fetch(
      `${emulator.serviceKey.serviceurls.AI_API_URL}/v2/lm/deployments?scenarioId=churn`,
      {
        headers: { authorization: `Bearer ${await token(emulator)}`, "ai-resource-group": "default" },
      },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ count: 1, resources: [{ id: "d0churn00001" }] });

    const lines = emulator
      .output()
      .stdout.split("\n")
      .filter((line) => line !== "");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ event: "ready", url: emulator.url });
  });

  it("is driven through the control client", async () => {
    const emulator = await start();
    const created = await emulator.control.addDeployment({
      id: "dproc00001",
      scenarioId: "churn",
      executableId: "x-serving",
    });
    expect(created).toMatchObject({ id: "dproc00001", status: "RUNNING" });
    expect(await emulator.control.patchDeployment("dproc00001", { status: "DEAD" })).toMatchObject({
      status: "DEAD",
    });
    await token(emulator);
    expect((await emulator.control.requests()).byKind.token).toBe(1);
    await emulator.control.resetRequests();
    expect((await emulator.control.requests()).total).toBe(0);
    await emulator.control.deleteDeployment("dproc00001");
    await expect(emulator.control.deleteDeployment("dproc00001")).rejects.toThrow(/404/);
    await emulator.control.reset();
    expect(await emulator.control.completeTransitions()).toBe(0);
  });

  it("uses the settings from its environment", async () => {
    const emulator = await start({
      EMULATOR_CLIENT_ID: "local-client",
      EMULATOR_CLIENT_SECRET: "local-secret",
    });
    expect(emulator.serviceKey).toMatchObject({ clientid: "local-client", clientsecret: "local-secret" });
  });

  it("exits cleanly on SIGTERM and leaves nothing listening", async () => {
    const emulator = await start();
    const port = Number(new URL(emulator.url).port);
    // an open keep-alive connection must not hold the exit
    await fetch(`${emulator.url}/__emulator/requests`);
    await emulator.stop();
    expect(emulator.child.exitCode).toBe(0);
    expect(await tryConnect(port)).toBe("ECONNREFUSED");
  });

  it("exits cleanly on SIGINT", async () => {
    const emulator = await start();
    const exited = once(emulator.child, "exit");
    emulator.child.kill("SIGINT");
    expect((await exited)[0]).toBe(0);
  });

  it("exits non-zero with one line when its port is taken", async () => {
    const blocker = createServer();
    blocker.listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const { port } = blocker.address() as { port: number };
    try {
      await expect(startEmulatorProcess({ EMULATOR_PORT: String(port) })).rejects.toThrow(
        new RegExp(`exited \\(1\\) before it was ready: aicore emulator: port ${port} is already in use$`),
      );
    } finally {
      blocker.close();
    }
  });

  it("exits non-zero naming a malformed setting", async () => {
    await expect(startEmulatorProcess({ EMULATOR_PATCH_DELAY_MS: "soon" })).rejects.toThrow(
      /EMULATOR_PATCH_DELAY_MS/,
    );
  });
});
