import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DevHostProcess, FIXTURE_APP, REPO_ROOT, requireBuild } from "./devHostProcess";

// Where the dev host once hid what the real host does: identity-only storage without a queue endpoint (queue
// functions do not index), functionTimeout, host.json with comments, app setting overrides in any case.
const running: DevHostProcess[] = [];
const folders: string[] = [];

afterAll(async () => {
  await Promise.all(running.map((host) => host.stop()));
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

async function fixture(env: NodeJS.ProcessEnv, appRoot = FIXTURE_APP) {
  requireBuild();
  const host = new DevHostProcess(["--app-root", appRoot, "--port", "0"], env);
  running.push(host);
  const match = await host.waitForLine(/^dev host listening at (http:\/\/\S+)$/);
  return { host, url: match[1] as string };
}

describe("the dev host, faithful to the Functions host", () => {
  it("does not index queue functions whose connection gives no queue endpoint (identity settings with a blob URI only), naming the setting; HTTP functions still run", async () => {
    const { host, url } = await fixture({
      FIXTURE_QUEUES: "1",
      AzureWebJobsStorage: "",
      AzureWebJobsStorage__credential: "managedidentity",
      AzureWebJobsStorage__clientId: "00000000-0000-0000-0000-000000000001",
      AzureWebJobsStorage__blobServiceUri: "https://strelay01.blob.core.windows.net",
    });
    for (const name of ["echoQueue", "enqueueEcho"]) {
      await host.waitForLine(
        new RegExp(
          `Error indexing method 'Functions\\.${name}': AzureWebJobsStorage__queueServiceUri is not set`,
        ),
      );
    }
    expect(host.output("stdout")).not.toMatch(/echoQueue: queue trigger/);
    const response = await fetch(`${url}/api/hello/ada`);
    expect(response.status).toBe(200);
  });

  it("fails an invocation that outlives functionTimeout, with the host's line", async () => {
    const { host, url } = await fixture({
      FIXTURE_SLOW: "1",
      azurefunctionsjobhost__FUNCTIONTIMEOUT: "00:00:01",
    });
    const response = await fetch(`${url}/api/slow?ms=5000`);
    expect(response.status).toBe(500);
    await response.arrayBuffer();
    await host.waitForLine(
      /Timeout value of 00:00:01 exceeded by function 'Functions\.slow' \(Id: '[0-9a-f-]+'\)\. Initiating cancellation\./,
    );
    const quick = await fetch(`${url}/api/slow?ms=10`);
    expect(await quick.json()).toEqual({ sleptMs: 10 });
  });

  it("reads a host.json with comments, and an AzureFunctionsJobHost__ override of any case", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "devhost-hostjson-"));
    folders.push(root);
    cpSync(FIXTURE_APP, root, { recursive: true });
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
    writeFileSync(
      path.join(root, "host.json"),
      `{
  // comments, as the host allows them
  "version": "2.0",
  "extensions": { "http": { "routePrefix": "api", }, },
}`,
    );
    const { url } = await fixture({ AZUREFUNCTIONSJOBHOST__Extensions__Http__RoutePrefix: "v2" }, root);
    expect((await fetch(`${url}/v2/hello/ada`)).status).toBe(200);
    expect((await fetch(`${url}/api/hello/ada`)).status).toBe(404);
  });
});
