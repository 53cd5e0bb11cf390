import { TableClient } from "@azure/data-tables";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DevHostProcess, requireBuild } from "../dev/host/devHostProcess";
import { isolatedApp } from "../support/isolatedApp";
import { startLoopbackServer } from "../support/loopbackServer";
import { enqueue, queueClient } from "../support/queues";
import { CHURN_EXAMPLE, useAzuriteAndEmulator } from "../support/world";
import { RECEIVER_SECRET, startCallbackReceiver } from "./callbackReceiver";

// Callbacks as the relay in the dev host sends them. CALLBACK_ALLOWED_HOSTS lists origins: `http://127.0.0.1` is
// port 80 of that host, not every port of it; a listener on another port of 127.0.0.1 stands for whatever else runs
// there, and the relay must never connect to it. CALLBACK_SIGNING_SECRET holds two secrets (a rotation): every
// callback carries a signature under each, checked with the `standardwebhooks` library.
const ROTATED_SECRET = `whsec_${Buffer.alloc(32, 42).toString("base64")}`;
const JOBS = "sending-scoring-requests";
const world = useAzuriteAndEmulator();
const app = isolatedApp();
let host: DevHostProcess;
let base: string;
let other: Awaited<ReturnType<typeof startLoopbackServer>>;
let receiver: Awaited<ReturnType<typeof startCallbackReceiver>>;

beforeAll(async () => {
  requireBuild();
  other = await startLoopbackServer((_request, response) => {
    response.writeHead(204).end();
  });
  receiver = await startCallbackReceiver([], "127.0.0.2");
  host = new DevHostProcess(["--app-root", app.root, "--port", "0"], {
    AICORE_SERVICE_KEY: JSON.stringify(world.emulator.serviceKey),
    AzureWebJobsStorage: world.azurite.connectionString,
    SCORING_QUEUE: JOBS,
    RESULTS_QUEUE: "sending-scoring-results",
    CALLBACK_QUEUE: "sending-callbacks",
    CALLBACK_ALLOWED_HOSTS: `http://127.0.0.1,http://127.0.0.2:${receiver.port}/hooks`,
    CALLBACK_SIGNING_SECRET: `${ROTATED_SECRET} ${RECEIVER_SECRET}`,
    AzureFunctionsJobHost__extensions__queues__maxPollingInterval: "00:00:00.200",
  });
  base = `${(await host.waitForLine(/^dev host listening at (http:\/\/\S+)$/, 30_000))[1]}/api`;
});

afterAll(async () => {
  app.remove();
  await host?.stop();
  await other?.close();
  await receiver?.close();
});

function predictWithCallback(callback: string) {
  return fetch(`${base}/models/churn/predict`, {
    method: "POST",
    headers: { "content-type": "application/json", prefer: "respond-async", "callback-url": callback },
    body: JSON.stringify(CHURN_EXAMPLE),
  });
}

describe("callbacks go only to listed origins", () => {
  it("another port, another scheme or another path of a listed host is refused 422 and never connected to", async () => {
    const refused = [
      `http://127.0.0.1:${other.port}/__emulator/tokens/revoke`,
      `https://127.0.0.2:${receiver.port}/hooks`,
      `http://127.0.0.2:${receiver.port}/admin`,
    ];
    for (const callback of refused) {
      const answer = await predictWithCallback(callback);
      expect(answer.status, callback).toBe(422);
      expect(await answer.json()).toMatchObject({ type: "urn:aicore-relay:problem:callback-refused" });
    }
    // A listed origin and path is called back: by then a refused one would have been attempted too.
    const accepted = await predictWithCallback(`http://127.0.0.2:${receiver.port}/hooks/churn`);
    expect(accepted.status).toBe(202);
    await receiver.arrived(1);
    expect(receiver.received[0]?.verified).toBe(true);
    expect(other.connections.count).toBe(0);
  });

  it("carries one v1 signature per secret: a receiver holding either secret of a rotation verifies it", async () => {
    const before = receiver.requests.length;
    expect((await predictWithCallback(`http://127.0.0.2:${receiver.port}/hooks/rotation`)).status).toBe(202);
    await receiver.arrived(before + 1);
    const request = receiver.requests[before];
    const headers = Object.fromEntries(
      Object.entries(request?.headers ?? {}).map(([k, v]) => [k, String(v)]),
    );
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    for (const secret of [ROTATED_SECRET, RECEIVER_SECRET]) {
      expect(() => new Webhook(secret).verify(request?.body ?? "", headers), secret).not.toThrow();
    }
  });

  it("gives each result its own webhook-id: a job id used again after its record is gone is not a duplicate", async () => {
    const id = `reused-${Date.now()}`;
    const message = JSON.stringify({
      id,
      model: "churn",
      input: CHURN_EXAMPLE,
      callback: `http://127.0.0.2:${receiver.port}/hooks/reused`,
    });
    const jobs = queueClient(world.azurite.connectionString, JOBS);
    const before = receiver.received.length;
    await enqueue(jobs, message);
    await receiver.arrived(before + 1);
    // The record expires (here: is purged), and a producer uses the id again for a new job.
    const table = TableClient.fromConnectionString(world.azurite.connectionString, "scoringjobs", {
      allowInsecureConnection: true,
    });
    for await (const record of table.listEntities({ queryOptions: { filter: `jobId eq '${id}'` } })) {
      await table.deleteEntity(String(record.partitionKey), String(record.rowKey));
    }
    await enqueue(jobs, message);
    await receiver.arrived(before + 2);
    const [first, second] = receiver.received.slice(before);
    expect(first?.webhookId).toMatch(/^result-[0-9a-f]{40}$/);
    expect(second?.webhookId).not.toBe(first?.webhookId);
    expect(JSON.parse(second?.body ?? "{}").id).toBe(second?.webhookId);
  });
});
