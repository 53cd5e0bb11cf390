import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DevHostProcess, requireBuild } from "../dev/host/devHostProcess";
import { isolatedApp } from "../support/isolatedApp";
import { startLoopbackServer } from "../support/loopbackServer";
import { CHURN_EXAMPLE, useAzuriteAndEmulator } from "../support/world";
import { RECEIVER_SECRET, startCallbackReceiver } from "./callbackReceiver";

// CALLBACK_ALLOWED_HOSTS lists origins: `http://127.0.0.1` is port 80 of that host, not every port of it. A
// listener on another port of 127.0.0.1 stands for whatever else runs there; the relay must never connect to it.
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
    SCORING_QUEUE: "origins-scoring-requests",
    RESULTS_QUEUE: "origins-scoring-results",
    CALLBACK_QUEUE: "origins-callbacks",
    CALLBACK_ALLOWED_HOSTS: `http://127.0.0.1,http://127.0.0.2:${receiver.port}/hooks`,
    CALLBACK_SIGNING_SECRET: RECEIVER_SECRET,
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
});
