import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { QueueClient } from "@azure/storage-queue";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FAILED_TYPE, type ResultEvent, SUCCEEDED_TYPE } from "../../src/jobs/jobResult";
import type { RelayStatus } from "../../src/relay/relayStatus";
import { DevHostProcess, requireBuild } from "../dev/host/devHostProcess";
import { crmEvent, standardWebhooksHeaders } from "../producers/webhooks/signing";
import { isolatedApp } from "../support/isolatedApp";
import { enqueue, QueueReader, queueClient } from "../support/queues";
import { CHURN_EXAMPLE, shippedCatalogJson, useAzuriteAndEmulator } from "../support/world";
import { RECEIVER_SECRET, type ScriptedAnswer, startCallbackReceiver } from "./callbackReceiver";

// The relay's functions in the dev host against Azurite and the emulator; callback receivers are real HTTP servers
// on 127.0.0.1 (allow-listed as http://127.0.0.1) and 127.0.0.2 (not listed). The schedule is shortened to 1s,1s,1s.
const JOBS = "cb-scoring-requests";
const RESULTS = "cb-scoring-results";
const CALLBACKS = "cb-callbacks";

const CRM_SECRET = "whsec_Y2FsbGJhY2stc291cmNlLXRlc3Qtc2VjcmV0";
const CUSTOMER_TYPE = "com.example.customer.changed";

const world = useAzuriteAndEmulator();
const catalogDir = fs.mkdtempSync(path.join(os.tmpdir(), "callback-catalog-"));
let sourceEndpoint: Awaited<ReturnType<typeof startCallbackReceiver>>;
let eventsEndpoint: Awaited<ReturnType<typeof startCallbackReceiver>>;
/** The endpoint of an events entry whose callback is on 127.0.0.2, which CALLBACK_ALLOWED_HOSTS does not list. */
let unlistedEventsEndpoint: Awaited<ReturnType<typeof startCallbackReceiver>>;
let host: DevHostProcess;
let base: string;
let jobs: QueueClient;
let results: QueueReader<ResultEvent>;
let poison: QueueReader<Record<string, unknown>>;
const cleanups: (() => unknown)[] = [];
let sequence = 0;
const jobId = (name: string) => `${name}-${Date.now()}-${sequence++}`;

function hostEnv(): NodeJS.ProcessEnv {
  return {
    AICORE_SERVICE_KEY: JSON.stringify(world.emulator.serviceKey),
    AzureWebJobsStorage: world.azurite.connectionString,
    SCORING_QUEUE: JOBS,
    RESULTS_QUEUE: RESULTS,
    CALLBACK_QUEUE: CALLBACKS,
    CALLBACK_ALLOWED_HOSTS: "http://127.0.0.1:*",
    CALLBACK_SIGNING_SECRET: RECEIVER_SECRET,
    CALLBACK_RETRY_SCHEDULE: "1s,1s,1s",
    AzureFunctionsJobHost__extensions__queues__maxPollingInterval: "00:00:00.200",
    // A message held by a killed host comes back after 2 s instead of 10 minutes (dev host only).
    DEVHOST_QUEUE_LEASE_SECONDS: "2",
    MODEL_CATALOG: path.join(catalogDir, "models.json"),
    CRM_PUSH_SECRET: CRM_SECRET,
  };
}

/** The shipped catalog plus a source and events entries whose results are pushed back to the CRM's endpoints. */
function writeCatalog(callbackUrl: string, eventsUrl: string, unlistedEventsUrl: string): void {
  const catalog = shippedCatalogJson();
  const crm = catalog.sources?.crm as Record<string, unknown>;
  catalog.sources = {
    "crm-push": {
      ...crm,
      verify: { scheme: "standard-webhooks", secretSetting: "CRM_PUSH_SECRET" },
      callback: { url: callbackUrl },
    },
  };
  const eventsEntry = { model: "churn", types: [CUSTOMER_TYPE] };
  catalog.events = {
    ...catalog.events,
    "crm-events": { ...eventsEntry, callback: { url: eventsUrl } },
    "crm-events-unlisted": { ...eventsEntry, callback: { url: unlistedEventsUrl } },
  };
  fs.writeFileSync(path.join(catalogDir, "models.json"), JSON.stringify(catalog));
}

async function startHost(): Promise<void> {
  host = new DevHostProcess(["--app-root", app.root, "--port", "0"], hostEnv());
  base = `${(await host.waitForLine(/^dev host listening at (http:\/\/\S+)$/, 30_000))[1]}/api`;
}

// A copy of the app: the test never reads the developer's own local.settings.json or models.json.
const app = isolatedApp();

beforeAll(async () => {
  requireBuild();
  sourceEndpoint = await startCallbackReceiver();
  eventsEndpoint = await startCallbackReceiver();
  unlistedEventsEndpoint = await startCallbackReceiver([], "127.0.0.2");
  writeCatalog(
    `${sourceEndpoint.url}/hooks/churn-scores`,
    `${eventsEndpoint.url}/hooks/churn-scores`,
    `${unlistedEventsEndpoint.url}/hooks/churn-scores`,
  );
  await startHost();
  jobs = queueClient(world.azurite.connectionString, JOBS);
  results = new QueueReader<ResultEvent>(queueClient(world.azurite.connectionString, RESULTS));
  poison = new QueueReader(queueClient(world.azurite.connectionString, `${CALLBACKS}-poison`));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

afterAll(async () => {
  app.remove();
  await results?.stop();
  await poison?.stop();
  await host?.stop();
  await sourceEndpoint?.close();
  await eventsEndpoint?.close();
  await unlistedEventsEndpoint?.close();
  fs.rmSync(catalogDir, { recursive: true, force: true });
});

async function receiver(script: ScriptedAnswer[] = [], address = "127.0.0.1") {
  const started = await startCallbackReceiver(script, address);
  cleanups.push(() => started.close());
  return started;
}

async function jobRecord(id: string) {
  const response = await fetch(`${base}/jobs/${encodeURIComponent(id)}`);
  return (await response.json()) as Record<string, unknown> & { callback?: Record<string, unknown> };
}

/** Waits until the job record's callback reaches `state`, and answers the record. */
/** The result's CloudEvent id, which is its callback's webhook-id on every attempt. */
async function resultIdOf(jobId: string): Promise<string> {
  await results.waitFor(
    (events) => events.some((event) => event.subject === jobId),
    20_000,
    `the result of ${jobId}`,
  );
  return results.messages.find((event) => event.subject === jobId)?.id ?? "";
}

async function callbackSettled(id: string, state: string, timeout = 20_000) {
  await expect
    .poll(async () => (await jobRecord(id)).callback?.state, { timeout, interval: 200 })
    .toBe(state);
  return jobRecord(id);
}

/** Tasks waiting on the callback queue, hidden ones included. */
async function pendingTasks(): Promise<number> {
  const properties = await queueClient(world.azurite.connectionString, CALLBACKS).getProperties();
  return properties.approximateMessagesCount ?? 0;
}

function job(id: string, callback: string) {
  return JSON.stringify({ id, model: "churn", input: CHURN_EXAMPLE, callback });
}

describe("result callbacks through the dev host", () => {
  it("503, 503, 200: delivered once after the schedule, every attempt verified under the result's id", async () => {
    const endpoint = await receiver([{ status: 503 }, { status: 503 }, { status: 200 }]);
    const id = jobId("churn-callback");
    await enqueue(jobs, job(id, `${endpoint.url}/hooks/churn-scores?tenant=7`));
    const record = await callbackSettled(id, "delivered");
    const resultId = await resultIdOf(id);
    expect(endpoint.received.map((r) => [r.answeredStatus, r.webhookId, r.verified, r.contentType])).toEqual([
      [503, resultId, true, "application/cloudevents+json"],
      [503, resultId, true, "application/cloudevents+json"],
      [200, resultId, true, "application/cloudevents+json"],
    ]);
    expect(endpoint.requests.map((r) => r.url)).toEqual(Array(3).fill("/hooks/churn-scores?tenant=7"));
    // The schedule: 1 s before the first attempt, 1 s after each failure.
    const [first, second, third] = endpoint.received.map((r) => r.arrivedAt) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(900);
    expect(third - second).toBeGreaterThanOrEqual(900);
    // The body is the result CloudEvent, as on the results queue.
    await results.waitFor((events) => events.some((e) => e.subject === id));
    const published = results.messages.find((e) => e.subject === id);
    expect(JSON.parse(endpoint.received[2]?.body ?? "")).toEqual(published);
    expect(published?.type).toBe(SUCCEEDED_TYPE);
    expect(record.callback).toMatchObject({
      url: `${endpoint.url}/…`,
      state: "delivered",
      attempts: 3,
      lastStatus: 200,
    });
    expect(await pendingTasks()).toBe(0);
  });

  it("a large result: the callback POSTs it whole up to 1 MiB, its claim check (dataref) beyond", async () => {
    const endpoint = await receiver();
    const sizes = { whole: 300_000, checked: 1_200_000 };
    const ids = { whole: jobId("large-whole"), checked: jobId("large-checked") };
    for (const key of ["whole", "checked"] as const) {
      await world.emulator.control.setFaults([
        { kinds: ["predict"], times: 1, action: { type: "large", bytes: sizes[key] } },
      ]);
      await enqueue(jobs, job(ids[key], `${endpoint.url}/hooks/churn-scores`));
      await callbackSettled(ids[key], "delivered");
    }
    await world.emulator.control.clearFaults();
    const resultIds: Record<string, string> = {
      [ids.whole]: await resultIdOf(ids.whole),
      [ids.checked]: await resultIdOf(ids.checked),
    };
    const bodyOf = (id: string) =>
      JSON.parse(endpoint.received.find((r) => r.webhookId === resultIds[id])?.body ?? "{}");
    const whole = bodyOf(ids.whole);
    expect(whole).not.toHaveProperty("dataref");
    expect(String(whole.data.prediction.padding).length).toBeGreaterThan(sizes.whole - 1_000);
    const checked = bodyOf(ids.checked);
    expect(checked).toMatchObject({ dataref: `/api/jobs/${ids.checked}`, data: { status: "succeeded" } });
    expect(checked.data).not.toHaveProperty("prediction");
    for (const received of endpoint.received) expect(received.verified).toBe(true);
    // The results queue carries the claim check of both.
    await results.waitFor((events) => events.filter((e) => e.dataref !== undefined).length >= 2);
  });

  it("waits as long as a 503's Retry-After asks (3 s) when the schedule says 1 s", async () => {
    const endpoint = await receiver([{ status: 503, headers: { "Retry-After": "3" } }, { status: 204 }]);
    const id = jobId("retry-after");
    await enqueue(jobs, job(id, `${endpoint.url}/h`));
    await callbackSettled(id, "delivered");
    const [first, second] = endpoint.received.map((r) => r.arrivedAt) as [number, number];
    expect(second - first).toBeGreaterThanOrEqual(2_900);
  });

  it("stops at once on 410 Gone and records the callback as gone", async () => {
    const endpoint = await receiver([{ status: 410 }]);
    const id = jobId("gone");
    await enqueue(jobs, job(id, `${endpoint.url}/h`));
    const record = await callbackSettled(id, "gone");
    expect(record.callback).toMatchObject({ attempts: 1, lastStatus: 410 });
    expect(endpoint.received).toHaveLength(1);
    expect(await pendingTasks()).toBe(0);
  });

  it("never follows a 302; after the last attempt the task is dead-lettered and the record says failed", async () => {
    const elsewhere = await receiver();
    const endpoint = await receiver(
      Array(3).fill({ status: 302, headers: { Location: `${elsewhere.url}/moved` } }) as ScriptedAnswer[],
    );
    const id = jobId("redirect");
    await enqueue(jobs, job(id, `${endpoint.url}/h`));
    const record = await callbackSettled(id, "failed");
    expect(record.callback).toMatchObject({ attempts: 3, lastStatus: 302 });
    expect(endpoint.received).toHaveLength(3);
    expect(elsewhere.connections.count).toBe(0);
    await poison.waitFor((tasks) => tasks.some((t) => t.jobId === id));
    expect(poison.messages.find((t) => t.jobId === id)).toMatchObject({
      state: "failed",
      attempts: 3,
      lastStatus: 302,
    });
  });

  it("POST /api/jobs/{id}/callback replays a failed callback: a new series, the same webhook-id, the whole URL", async () => {
    const endpoint = await receiver([{ status: 500 }, { status: 500 }, { status: 500 }]);
    const id = jobId("replay");
    await enqueue(jobs, job(id, `${endpoint.url}/h?tenant=7`));
    await callbackSettled(id, "failed");
    const replay = await fetch(`${base}/jobs/${encodeURIComponent(id)}/callback`, { method: "POST" });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ id, callback: { state: "pending", attempts: 0, series: 1 } });
    const record = await callbackSettled(id, "delivered");
    expect(record.callback).toMatchObject({ state: "delivered", attempts: 1, lastStatus: 200, series: 1 });
    const resultId = await resultIdOf(id);
    expect(endpoint.received.map((r) => [r.answeredStatus, r.webhookId, r.verified])).toEqual([
      [500, resultId, true],
      [500, resultId, true],
      [500, resultId, true],
      [200, resultId, true],
    ]);
    expect(endpoint.requests.at(-1)?.url).toBe("/h?tenant=7");
    // Not for a job without a callback, nor an unknown one.
    const plain = jobId("replay-none");
    await enqueue(jobs, JSON.stringify({ id: plain, model: "churn", input: CHURN_EXAMPLE }));
    await results.waitFor((events) => events.some((e) => e.subject === plain));
    await expect.poll(async () => (await jobRecord(plain)).status, { timeout: 10_000 }).toBe("succeeded");
    const none = await fetch(`${base}/jobs/${encodeURIComponent(plain)}/callback`, { method: "POST" });
    expect(none.status).toBe(409);
    expect(none.headers.get("content-type")).toBe("application/problem+json");
    expect((await fetch(`${base}/jobs/no-such-job/callback`, { method: "POST" })).status).toBe(404);
  });

  it("fails a job whose callback is not allowed at once, and never connects (127.0.0.2 when 127.0.0.1 is listed)", async () => {
    const listener = await receiver([], "127.0.0.2");
    const before = (await world.emulator.control.requests()).byKind.predict ?? 0;
    const unlisted = jobId("unlisted-loopback");
    const foreign = jobId("foreign-host");
    await enqueue(
      jobs,
      job(unlisted, `${listener.url}/h`),
      job(foreign, "https://crm.example.com/hooks/churn-scores"),
    );
    await results.waitFor((events) =>
      [unlisted, foreign].every((id) => events.some((e) => e.subject === id)),
    );
    for (const id of [unlisted, foreign]) {
      const event = results.messages.find((e) => e.subject === id);
      expect(event).toMatchObject({
        type: FAILED_TYPE,
        data: {
          status: "failed",
          problem: { type: "urn:aicore-relay:problem:callback-refused", status: 422 },
        },
      });
      expect((await jobRecord(id)).callback).toMatchObject({ state: "refused", attempts: 0 });
    }
    expect(listener.connections.count).toBe(0);
    expect((await world.emulator.control.requests()).byKind.predict ?? 0).toBe(before);
    expect(host.output()).toContain(
      `job ${unlisted}: callback refused, the job fails: the callback host 127.0.0.2 is not in CALLBACK_ALLOWED_HOSTS`,
    );
  });

  it("Prefer: respond-async with Callback-Url: 202, then the result pushed; a refused URL is 422, no job", async () => {
    const endpoint = await receiver();
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/models/churn/predict`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify(CHURN_EXAMPLE),
      });
    const accepted = await post({ Prefer: "respond-async", "Callback-Url": `${endpoint.url}/async` });
    expect(accepted.status).toBe(202);
    const { id } = (await accepted.json()) as { id: string };
    await callbackSettled(id, "delivered");
    const resultId = await resultIdOf(id);
    expect(endpoint.received.map((r) => [r.webhookId, r.verified])).toEqual([[resultId, true]]);

    const refused = await post({ Prefer: "respond-async", "Callback-Url": "http://127.0.0.2:9/h" });
    expect(refused.status).toBe(422);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(await refused.json()).toMatchObject({ type: "urn:aicore-relay:problem:callback-refused" });

    const notAsync = await post({ "Callback-Url": `${endpoint.url}/sync` });
    expect(notAsync.status).toBe(400);
    expect(endpoint.received).toHaveLength(1);
  });

  it("a crash between the receiver's 2xx and its record delivers once more, under the same webhook-id", async () => {
    let killed: Promise<unknown> | undefined;
    const endpoint = await receiver([
      {
        status: 200,
        // The 2xx reaches the relay; before the answer is complete (and so before it is recorded), the host dies.
        custom: (response) => {
          response.writeHead(200, { "Content-Length": "10" });
          response.write("ok");
          killed = host.stop("SIGKILL");
        },
      },
      { status: 200 },
    ]);
    const id = jobId("crash");
    await enqueue(jobs, job(id, `${endpoint.url}/h`));
    await endpoint.arrived(1);
    await killed;
    await startHost();
    await callbackSettled(id, "delivered");
    const resultId = await resultIdOf(id);
    expect(endpoint.received.map((r) => [r.webhookId, r.verified])).toEqual([
      [resultId, true],
      [resultId, true],
    ]);
    expect((await jobRecord(id)).callback).toMatchObject({ attempts: 1, lastStatus: 200 });
    expect(await pendingTasks()).toBe(0);
  });

  it("a webhook source with a callback: each delivery becomes a job (202), a sender's retry the same one", async () => {
    const body = JSON.stringify(crmEvent("12"));
    const deliveryId = `msg_${Date.now()}`;
    const deliver = () =>
      fetch(`${base}/hooks/crm-push`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          ...standardWebhooksHeaders(CRM_SECRET, deliveryId, body),
        },
        body,
      });
    const first = await deliver();
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    expect(id).toBe(`webhook:crm-push#${deliveryId}`);
    expect(first.headers.get("location")).toBe(`/api/jobs/webhook:crm-push%23${deliveryId}`);
    const again = await deliver();
    expect(again.status).toBe(202);
    expect(((await again.json()) as { id: string }).id).toBe(id);
    await callbackSettled(id, "delivered");
    const resultId = await resultIdOf(id);
    expect(sourceEndpoint.received.map((r) => [r.webhookId, r.verified])).toEqual([[resultId, true]]);
    expect(JSON.parse(sourceEndpoint.received[0]?.body ?? "")).toMatchObject({
      type: SUCCEEDED_TYPE,
      subject: id,
      data: { model: "churn", prediction: { churn_probability: expect.any(Number) } },
    });
  });

  it("an events entry with a callback: 202 per event, the result pushed signed; a refused callback host is 422, nothing sent", async () => {
    const postEvent = (entry: string, id: string) =>
      fetch(`${base}/events/${entry}`, {
        method: "POST",
        headers: { "Content-Type": "application/cloudevents+json" },
        body: JSON.stringify({
          specversion: "1.0",
          id,
          source: "/crm",
          type: CUSTOMER_TYPE,
          data: CHURN_EXAMPLE,
        }),
      });
    const eventId = jobId("customer");
    const accepted = await postEvent("crm-events", eventId);
    expect(accepted.status).toBe(202);
    const id = `event:/crm#${eventId}`;
    expect(await accepted.json()).toEqual({
      entry: "crm-events",
      events: [{ id: eventId, source: "/crm", type: CUSTOMER_TYPE, jobId: id, status: "queued" }],
    });
    expect(await postEvent("crm-events", eventId).then((again) => again.status)).toBe(202);
    const record = await callbackSettled(id, "delivered");
    expect(record.callback).toMatchObject({ url: `${eventsEndpoint.url}/…`, attempts: 1 });
    const resultId = await resultIdOf(id);
    expect(eventsEndpoint.received.map((r) => [r.webhookId, r.verified, r.contentType])).toEqual([
      [resultId, true, "application/cloudevents+json"],
    ]);
    expect(JSON.parse(eventsEndpoint.received[0]?.body ?? "")).toMatchObject({
      type: SUCCEEDED_TYPE,
      subject: id,
      data: {
        event: { source: "/crm", id: eventId, type: CUSTOMER_TYPE },
        prediction: { churn_probability: expect.any(Number) },
      },
    });

    const refusedId = jobId("customer-refused");
    const refused = await postEvent("crm-events-unlisted", refusedId);
    expect(refused.status).toBe(422);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(await refused.json()).toMatchObject({
      type: "urn:aicore-relay:problem:callback-refused",
      detail: "The callback URL is refused: the callback host 127.0.0.2 is not in CALLBACK_ALLOWED_HOSTS",
    });
    // No job was made, so no attempt can ever come; the start-up line named the entry.
    expect((await fetch(`${base}/jobs/${encodeURIComponent(`event:/crm#${refusedId}`)}`)).status).toBe(404);
    expect(unlistedEventsEndpoint.connections.count).toBe(0);
    expect(host.output()).toContain(
      "events entry crm-events-unlisted: its callback is refused (the callback host 127.0.0.2 is not in CALLBACK_ALLOWED_HOSTS); POST /api/events/crm-events-unlisted answers 422 until it is allowed",
    );

    const status = (await fetch(`${base}/status?format=json`).then((r) => r.json())) as RelayStatus;
    expect(status.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "crm-events", callbackHost: new URL(eventsEndpoint.url).host }),
        expect.objectContaining({ name: "customer-changed", callbackHost: null }),
      ]),
    );
  });
});
