import type { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ResultEvent, SUCCEEDED_TYPE } from "../../src/jobs/jobResult";
import type { DevHostProcess } from "../dev/host/devHostProcess";
import { isolatedApp } from "../support/isolatedApp";
import { startQueueRelay } from "../support/queueRelay";
import { enqueue, QueueReader, queueClient } from "../support/queues";
import { CHURN_EXAMPLE, useAzuriteAndEmulator } from "../support/world";

// A hostile key holder and a hostile queue producer try to take the job of an event before it arrives; the relay
// runs in the dev host against Azurite and the emulator. Each producer names jobs in its own namespace.
const JOBS = "ns-scoring-requests";
const RESULTS = "ns-scoring-results";
const CUSTOMER_TYPE = "com.example.customer.changed";

const world = useAzuriteAndEmulator();
const app = isolatedApp();
let host: DevHostProcess;
let base: string;
let jobs: QueueClient;
let results: QueueReader<ResultEvent>;
let sequence = 0;
const unique = (name: string) => `${name}-${Date.now()}-${sequence++}`;

beforeAll(async () => {
  ({ host, base } = await startQueueRelay(world, app.root, { jobs: JOBS, results: RESULTS }));
  jobs = queueClient(world.azurite.connectionString, JOBS);
  results = new QueueReader<ResultEvent>(queueClient(world.azurite.connectionString, RESULTS));
});

afterAll(async () => {
  app.remove();
  await results?.stop();
  await host?.stop();
});

function predictAsync(key: string, body: unknown) {
  return fetch(`${base}/models/churn/predict`, {
    method: "POST",
    headers: { "content-type": "application/json", prefer: "respond-async", "idempotency-key": key },
    body: JSON.stringify(body),
  });
}

async function postEvent(id: string) {
  const answer = await fetch(`${base}/events/customer-changed`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify({
      specversion: "1.0",
      id,
      source: "/crm",
      type: CUSTOMER_TYPE,
      data: CHURN_EXAMPLE,
    }),
  });
  expect(answer.status).toBe(202);
  return ((await answer.json()) as { events: { jobId: string; status: string }[] }).events[0];
}

const resultsOf = (jobId: string) => results.messages.filter((event) => event.data.jobId === jobId);

async function resultOf(jobId: string): Promise<ResultEvent> {
  await results.waitFor(() => resultsOf(jobId).length > 0, 30_000, `the result of ${jobId}`);
  return resultsOf(jobId)[0] as ResultEvent;
}

const jobPath = (id: string) => `${base}/jobs/${id.split("/").map(encodeURIComponent).join("/")}`;

describe("job ids, one namespace per producer", () => {
  it("an Idempotency-Key spelled as an event's source#id does not take the event's job", async () => {
    const eventId = unique("order");
    const key = `/crm#${eventId}`;
    const taken = await predictAsync(key, { ...CHURN_EXAMPLE, tenure: 1 });
    expect(taken.status).toBe(202);
    const attacker = ((await taken.json()) as { id: string }).id;
    expect(attacker).toBe(`predict:${key}`);
    await resultOf(attacker);

    const receipt = await postEvent(eventId);
    expect(receipt).toMatchObject({ jobId: `event:/crm#${eventId}`, status: "queued" });
    const result = await resultOf(`event:/crm#${eventId}`);
    expect(result).toMatchObject({ type: SUCCEEDED_TYPE, data: { event: { source: "/crm", id: eventId } } });
    // Each id reads its own job: the event's record is the event's, the key's the key's.
    const record = await fetch(jobPath(`event:/crm#${eventId}`));
    expect(record.status).toBe(200);
    expect(await record.json()).toMatchObject({ id: `event:/crm#${eventId}`, status: "succeeded" });
    const own = (await (await fetch(jobPath(attacker))).json()) as { id: string };
    expect(own.id).toBe(attacker);
  });

  it("a queue message naming an event's job id before the event is dropped; the event is scored", async () => {
    const eventId = unique("queued");
    const forged = `event:/crm#${eventId}`;
    await enqueue(
      jobs,
      JSON.stringify({ id: forged, model: "churn", input: { ...CHURN_EXAMPLE, tenure: 2 } }),
    );
    await host.waitForLine(
      new RegExp(`job ${forged}: the message names a job id .* never accepted; dropped`),
      30_000,
    );
    const receipt = await postEvent(eventId);
    expect(receipt).toMatchObject({ jobId: forged, status: "queued" });
    const result = await resultOf(forged);
    expect(result.data).toMatchObject({ status: "succeeded", event: { id: eventId } });
    expect(resultsOf(forged)).toHaveLength(1);
  });

  it("the same instance with its members in another order is the same job, not 422", async () => {
    const key = unique("reordered");
    const first = await predictAsync(key, CHURN_EXAMPLE);
    expect(first.status).toBe(202);
    const reversed = Object.fromEntries(Object.entries(CHURN_EXAMPLE).reverse());
    expect(Object.keys(reversed)).not.toEqual(Object.keys(CHURN_EXAMPLE));
    const again = await predictAsync(key, reversed);
    expect(again.status).toBe(202);
    expect(((await again.json()) as { id: string }).id).toBe(`predict:${key}`);
    const other = await predictAsync(key, { ...reversed, tenure: 99 });
    expect(other.status).toBe(422);
  });
});
