import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../host/devHostProcess";
import { freePort, isAlive, launcherApp, launcherEnv, spawnLauncher } from "./launcherProcess";

/**
 * `npm start` with Core Tools installed: a fake `func` first on PATH records how the launcher starts it and
 * answers /api/health like the host, so the test needs no Core Tools download. The real `func start` asks for
 * the worker runtime on stdin when FUNCTIONS_WORKER_RUNTIME is unset, and the launcher gives it no stdin.
 */

const FAKE_FUNC = `#!/usr/bin/env node
const http = require("node:http");
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.writeFileSync(process.env.FAKE_FUNC_RECORD, JSON.stringify({
  args,
  cwd: process.cwd(),
  FUNCTIONS_WORKER_RUNTIME: process.env.FUNCTIONS_WORKER_RUNTIME ?? null,
  stdinIsTTY: Boolean(process.stdin.isTTY),
}));
const port = Number(args[args.indexOf("--port") + 1]);
const server = http.createServer((req, res) => {
  res.writeHead(req.url === "/api/health" ? 200 : 404, { "Content-Type": "application/json" });
  res.end('{"status":"ok"}');
});
server.listen(port, "127.0.0.1", () => console.log("Worker process started and initialized."));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

const localCoreTools = existsSync(path.join(REPO_ROOT, "node_modules", ".bin", "func"));

describe.skipIf(localCoreTools)("npm start launcher with Core Tools (func start)", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "fake-func-"));
    await writeFile(path.join(dir, "func"), FAKE_FUNC);
    await chmod(path.join(dir, "func"), 0o755);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs func start in the app root with FUNCTIONS_WORKER_RUNTIME=node and stops it on SIGTERM", async () => {
    const port = await freePort();
    const record = path.join(dir, "record.json");
    const env = launcherEnv(port, {
      RELAY_FUNCTIONS_HOST: "",
      PATH: `${dir}${path.delimiter}${process.env.PATH ?? ""}`,
      FAKE_FUNC_RECORD: record,
      AICORE_SERVICE_KEY: JSON.stringify({
        clientid: "c",
        clientsecret: "s",
        url: "http://127.0.0.1:9",
        serviceurls: { AI_API_URL: "http://127.0.0.1:9" },
      }),
      AzureWebJobsStorage:
        "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:9/a;",
    });
    delete env.FUNCTIONS_WORKER_RUNTIME;
    const launched = spawnLauncher(env);
    try {
      await launched.waitForLine(/^\[start\] relay ready at /, 60_000);
      expect(launched.output("stdout")).toContain(
        `[start] functions host: func start (Azure Functions Core Tools) (Azure Functions Core Tools found at ${path.join(dir, "func")})`,
      );
      const seen = JSON.parse(await readFile(record, "utf8"));
      expect(seen).toEqual({
        args: ["start", "--port", String(port)],
        cwd: launcherApp().root,
        FUNCTIONS_WORKER_RUNTIME: "node",
        stdinIsTTY: false,
      });
    } finally {
      expect(await launched.stop("SIGTERM")).toBe(0);
    }
    const pids = launched.lines
      .map((l) => /^\[start\] started func start \(pid (\d+)\)$/.exec(l.text)?.[1])
      .filter((pid): pid is string => pid !== undefined);
    expect(pids).toHaveLength(1);
    expect(isAlive(Number(pids[0]))).toBe(false);
  });
});
