import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionString } from "../../src/dev/launcher/azurite";
import { resultEventId } from "../../src/jobs/jobResult";
import { type RunningLauncher, startLauncher } from "../dev/launcher/launcherProcess";
import { enqueue, queueClient } from "../support/queues";
import { CHURN_EXAMPLE } from "../support/world";
import { RECEIVER_SECRET, startCallbackReceiver } from "./callbackReceiver";

// Black box: `npm start` (the launcher: Azurite, the emulator, the dev host) with the callback settings a
// producer's operator would set; the producer's endpoint is a real HTTP server that verifies every signature.
let launcher: RunningLauncher;
let storage: string;
let endpoint: Awaited<ReturnType<typeof startCallbackReceiver>>;

beforeAll(async () => {
  endpoint = await startCallbackReceiver([{ status: 503 }, { status: 200 }]);
  launcher = await startLauncher({
    CALLBACK_ALLOWED_HOSTS: "http://127.0.0.1:*",
    CALLBACK_SIGNING_SECRET: RECEIVER_SECRET,
    CALLBACK_RETRY_SCHEDULE: "0s,1s,1s",
  });
  const [blob, queue, table] = launcher.azuritePorts as [number, number, number];
  storage = connectionString({ blob, queue, table });
}, 90_000);

afterAll(async () => {
  await launcher?.process.stop();
  await endpoint?.close();
});

async function callbackOf(id: string) {
  const response = await fetch(`${launcher.base}/jobs/${encodeURIComponent(id)}`);
  return ((await response.json()) as { callback?: { state: string; attempts: number } }).callback;
}

describe("result callbacks, against npm start", () => {
  it("pushes a queued job's result to its callback, signed, through a 503, once", async () => {
    const id = `npm-start-callback-${Date.now()}`;
    await enqueue(
      queueClient(storage, "scoring-requests"),
      JSON.stringify({
        id,
        model: "churn",
        input: CHURN_EXAMPLE,
        callback: `${endpoint.url}/hooks/churn-scores`,
      }),
    );
    await expect
      .poll(() => callbackOf(id), { timeout: 30_000, interval: 250 })
      .toMatchObject({
        state: "delivered",
        attempts: 2,
      });
    const delivered = JSON.parse(endpoint.received[1]?.body ?? "") as { id: string; time: string };
    const resultId = resultEventId(id, new Date(delivered.time));
    expect(endpoint.received.map((r) => [r.answeredStatus, r.webhookId, r.verified])).toEqual([
      [503, resultId, true],
      [200, resultId, true],
    ]);
    expect(delivered).toMatchObject({
      id: resultId,
      type: "aicore-relay.prediction.succeeded",
      subject: id,
    });
  });

  it("answers Callback-Url on a respond-async predict to a host off the list with 422 problem+json", async () => {
    const response = await fetch(`${launcher.base}/models/churn/predict`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Prefer: "respond-async",
        "Callback-Url": "https://crm.example.com/hooks/churn-scores",
      },
      body: JSON.stringify(CHURN_EXAMPLE),
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      type: "urn:aicore-relay:problem:callback-refused",
      detail:
        "The callback URL is refused: the callback host crm.example.com is not in CALLBACK_ALLOWED_HOSTS",
    });
  });
});
