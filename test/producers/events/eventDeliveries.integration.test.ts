import { readFileSync } from "node:fs";
import path from "node:path";
import { CloudEvent, HTTP } from "cloudevents";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAILED_TYPE, type ResultEvent, SUCCEEDED_TYPE } from "../../../src/jobs/jobResult";
import type { DevHostProcess } from "../../dev/host/devHostProcess";
import { isolatedApp } from "../../support/isolatedApp";
import { startQueueRelay } from "../../support/queueRelay";
import { QueueReader, queueClient } from "../../support/queues";
import {
  BP_PATH,
  BP_TYPE,
  partnerRecord,
  S4_CLIENT,
  type S4StandIn,
  s4Settings,
  startS4StandIn,
  writeEventsCatalog,
} from "../../support/s4StandIn";
import { CHURN_EXAMPLE, useAzuriteAndEmulator } from "../../support/world";

// The relay's functions in the dev host against Azurite and the emulator, a stand-in for S/4HANA's OData API on
// loopback, and the results queue read with @azure/storage-queue: events in over HTTP, one result per event out.
const fixtures = path.resolve(__dirname, "../../fixtures/events");
const fixture = (name: string) => readFileSync(path.join(fixtures, name), "utf8");
const S4_EVENT = JSON.parse(fixture("s4-business-partner-changed.cloudevent.json"));
const CUSTOMER_TYPE = "com.example.customer.changed";
const RESULTS = "ev-scoring-results";

const world = useAzuriteAndEmulator();
let s4: S4StandIn;
let host: DevHostProcess;
let base: string;
let results: QueueReader<ResultEvent>;
let sequence = 0;
const unique = (name: string) => `${name}-${Date.now()}-${sequence++}`;

// A copy of the app: the test never reads the developer's own local.settings.json or models.json.
const app = isolatedApp();

beforeAll(async () => {
  s4 = await startS4StandIn();
  ({ host, base } = await startQueueRelay(
    world,
    app.root,
    { jobs: "ev-scoring-requests", results: RESULTS },
    {
      MODEL_CATALOG: writeEventsCatalog(s4),
      ...s4Settings(s4),
      AzureFunctionsJobHost__extensions__queues__visibilityTimeout: "00:00:00",
    },
  ));
  results = new QueueReader<ResultEvent>(queueClient(world.azurite.connectionString, RESULTS));
});

afterAll(async () => {
  app.remove();
  await results?.stop();
  await host?.stop();
  await s4?.close();
});

function customerEvent(id = unique("c"), type = CUSTOMER_TYPE, data: unknown = CHURN_EXAMPLE) {
  return { specversion: "1.0", id, source: "/crm", type, data };
}

function thinEvent(key: string, id = unique("bp")) {
  return { ...S4_EVENT, id, data: { BusinessPartner: key } };
}

async function post(entry: string, body: string, headers: Record<string, string>, method = "POST") {
  const response = await fetch(`${base}/events/${entry}`, {
    method,
    headers,
    body: method === "POST" ? body : undefined,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

const structured = (entry: string, event: unknown) =>
  post(entry, JSON.stringify(event), { "content-type": "application/cloudevents+json" });

function resultsFor(source: string, id: string): ResultEvent[] {
  return results.messages.filter(
    (event) => event.data.event?.source === source && event.data.event.id === id,
  );
}

async function resultFor(source: string, id: string): Promise<ResultEvent> {
  await results.waitFor(
    () => resultsFor(source, id).length > 0,
    30_000,
    `the result of event ${source} ${id}`,
  );
  return resultsFor(source, id)[0] as ResultEvent;
}

async function predictCalls(): Promise<number> {
  return (await world.emulator.control.requests()).byKind.predict ?? 0;
}

describe("CloudEvents in, one scoring result per event out", () => {
  it("a structured thin S/4HANA event is enriched from the OData API (OAuth client credentials), then scored", async () => {
    const event = thinEvent("1000746");
    s4.partners.set("1000746", partnerRecord("1000746"));
    const answer = await structured("s4-business-partner", event);
    expect(answer.status).toBe(202);
    expect(answer.json()).toEqual({
      entry: "s4-business-partner",
      events: [
        {
          id: event.id,
          source: event.source,
          type: BP_TYPE,
          jobId: `event:${event.source}#${event.id}`,
          status: "queued",
        },
      ],
    });
    const result = await resultFor(event.source, event.id);
    expect(result).toMatchObject({
      type: SUCCEEDED_TYPE,
      subject: `event:${event.source}#${event.id}`,
      data: {
        status: "succeeded",
        model: "churn",
        event: { source: event.source, id: event.id, type: BP_TYPE },
      },
    });
    expect(result.data.prediction).toMatchObject({ churn_probability: expect.any(Number) });
    // The stand-in saw the client's credentials as Basic at the token endpoint and the token on the GET.
    const [token] = s4.tokenRequests();
    const basic = Buffer.from(
      String(token?.headers.authorization).replace("Basic ", ""),
      "base64",
    ).toString();
    expect(basic).toBe(`${S4_CLIENT.id}:${S4_CLIENT.secret}`);
    const get = s4.requests.find((request) => request.url === `${BP_PATH}/1000746`);
    expect(get?.headers.authorization).toMatch(/^Bearer s4-token-\d+$/);
  });

  it("a batch (application/cloudevents-batch+json) is one result per event", async () => {
    const events = [0, 1, 2].map((tenure) =>
      customerEvent(unique("batch"), CUSTOMER_TYPE, { ...CHURN_EXAMPLE, tenure }),
    );
    const answer = await post("customer-changed", JSON.stringify(events), {
      "content-type": "application/cloudevents-batch+json",
    });
    expect(answer.status).toBe(202);
    expect(
      answer.json().events.map((receipt: { id: string; status: string }) => [receipt.id, receipt.status]),
    ).toEqual(events.map((event) => [event.id, "queued"]));
    for (const event of events) expect((await resultFor("/crm", event.id)).type).toBe(SUCCEEDED_TYPE);
    for (const event of events) expect(resultsFor("/crm", event.id)).toHaveLength(1);
  });

  it("one oversized or malformed event costs only itself: 202, one result per event that names itself, a small receipt", async () => {
    const big = customerEvent(unique("big"), CUSTOMER_TYPE, { ...CHURN_EXAMPLE, note: "x".repeat(70_000) });
    const first = customerEvent(unique("first"));
    const third = customerEvent(unique("third"));
    const malformed = { specversion: "1.0", id: unique("bad"), source: "/crm", type: "" };
    const events = [first, big, third, malformed, "not an event"];
    const answer = await post("customer-changed", JSON.stringify(events), {
      "content-type": "application/cloudevents-batch+json",
    });
    expect(answer.status).toBe(202);
    const receipt = answer.json();
    expect(receipt.unidentified).toBe(1);
    expect(
      receipt.events.map((r: { id: string; status: string; problem?: { status: number } }) => [
        r.id,
        r.status,
        r.problem?.status,
      ]),
    ).toEqual([
      [first.id, "queued", undefined],
      [big.id, "failed", 413],
      [third.id, "queued", undefined],
      [malformed.id, "failed", 400],
    ]);
    // Bounded: ids and states, never the events echoed.
    expect(answer.text.length).toBeLessThan(4_000);
    expect((await resultFor("/crm", first.id)).type).toBe(SUCCEEDED_TYPE);
    expect((await resultFor("/crm", third.id)).type).toBe(SUCCEEDED_TYPE);
    expect(await resultFor("/crm", big.id)).toMatchObject({
      type: FAILED_TYPE,
      data: { problem: { status: 413 } },
    });
    expect(await resultFor("/crm", malformed.id)).toMatchObject({
      type: FAILED_TYPE,
      data: { problem: { type: "urn:aicore-relay:problem:not-cloudevents" } },
    });
    // An empty batch is a batch: 202, nothing queued.
    const empty = await post("customer-changed", "[]", {
      "content-type": "application/cloudevents-batch+json",
    });
    expect(empty.status).toBe(202);
    expect(empty.json()).toEqual({ entry: "customer-changed", events: [] });
  });

  it("a binary event (ce-* headers, data as the body) is one result", async () => {
    const sent = new CloudEvent({
      id: unique("bin"),
      source: "/crm",
      type: CUSTOMER_TYPE,
      data: CHURN_EXAMPLE,
    });
    const message = HTTP.binary(sent);
    const answer = await post(
      "customer-changed",
      String(message.body),
      message.headers as Record<string, string>,
    );
    expect(answer.status).toBe(202);
    expect((await resultFor("/crm", sent.id)).type).toBe(SUCCEEDED_TYPE);
  });

  it("an Event Grid schema delivery is one result per event, its topic as the source", async () => {
    const [grid] = JSON.parse(fixture("eventgrid-notification.json"));
    const id = unique("grid");
    const answer = await post("customer-changed", JSON.stringify([{ ...grid, id }]), {
      "content-type": "application/json",
      "aeg-event-type": "Notification",
    });
    expect(answer.status).toBe(202);
    const result = await resultFor(grid.topic, id);
    expect(result).toMatchObject({
      type: SUCCEEDED_TYPE,
      data: { event: { source: grid.topic, id, type: CUSTOMER_TYPE } },
    });
  });

  it("a redelivered event is scored once: the redelivery names the same job", async () => {
    const event = customerEvent(unique("again"));
    const before = await predictCalls();
    const [first, second] = await Promise.all([
      structured("customer-changed", event),
      structured("customer-changed", event),
    ]);
    expect([first.status, second.status]).toEqual([202, 202]);
    await resultFor("/crm", event.id);
    const third = await structured("customer-changed", event);
    expect(third.json().events[0]).toMatchObject({ status: "succeeded", duplicate: true });
    // A later event's result: the copies before it have been taken off the queue by now.
    const sentinel = customerEvent(unique("sentinel"));
    await structured("customer-changed", sentinel);
    await resultFor("/crm", sentinel.id);
    expect(resultsFor("/crm", event.id)).toHaveLength(1);
    expect(await predictCalls()).toBe(before + 2);
  });

  it("a type the entry does not score is acknowledged 202 and gets a failed result, without a model call", async () => {
    const before = await predictCalls();
    const event = customerEvent(unique("deleted"), "com.example.customer.deleted", {});
    const answer = await structured("customer-changed", event);
    expect(answer.status).toBe(202);
    expect(answer.json().events[0]).toMatchObject({
      status: "failed",
      problem: { type: "urn:aicore-relay:problem:event-type-not-accepted" },
    });
    const result = await resultFor("/crm", event.id);
    expect(result).toMatchObject({
      type: FAILED_TYPE,
      data: {
        status: "failed",
        event: { type: "com.example.customer.deleted" },
        problem: { type: "urn:aicore-relay:problem:event-type-not-accepted" },
      },
    });
    expect(await predictCalls()).toBe(before);
  });

  it("data that does not map is acknowledged 202 with a failed result naming the pointer", async () => {
    const event = customerEvent(unique("bad"), CUSTOMER_TYPE, { ...CHURN_EXAMPLE, region: 0 });
    const answer = await structured("customer-changed", event);
    expect(answer.json().events[0]).toMatchObject({ status: "failed", problem: { status: 422 } });
    const result = await resultFor("/crm", event.id);
    expect(result.data.problem?.errors).toEqual([
      { pointer: "/event/data/region", message: expect.any(String) },
    ]);
  });

  it("a body that is not CloudEvents is refused 400 problem+json", async () => {
    const answer = await post("customer-changed", JSON.stringify(CHURN_EXAMPLE), {
      "content-type": "application/json",
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect(answer.json().type).toBe("urn:aicore-relay:problem:not-cloudevents");
  });

  it("the OPTIONS handshake echoes an allowed origin, and an entry's list refuses others", async () => {
    const any = await post(
      "customer-changed",
      "",
      { "WebHook-Request-Origin": "sap-event-mesh.example" },
      "OPTIONS",
    );
    expect(any.status).toBe(200);
    expect(any.headers.get("webhook-allowed-origin")).toBe("sap-event-mesh.example");
    expect(any.headers.get("webhook-allowed-rate")).toBe("*");
    expect(any.headers.get("allow")).toBe("POST");
    const listed = await post(
      "eventgrid-only",
      "",
      { "WebHook-Request-Origin": "eventgrid.azure.net" },
      "OPTIONS",
    );
    expect([
      listed.status,
      listed.headers.get("webhook-allowed-origin"),
      listed.headers.get("webhook-allowed-rate"),
    ]).toEqual([200, "eventgrid.azure.net", "120"]);
    const refused = await post(
      "eventgrid-only",
      "",
      { "WebHook-Request-Origin": "evil.example.com" },
      "OPTIONS",
    );
    expect(refused.status).toBe(403);
    expect(refused.headers.get("webhook-allowed-origin")).toBeNull();
    expect(refused.json().type).toBe("urn:aicore-relay:problem:origin-not-allowed");
  });

  it("the Event Grid subscription validation is answered with its code", async () => {
    const answer = await post("customer-changed", fixture("eventgrid-subscription-validation.json"), {
      "content-type": "application/json",
      "aeg-event-type": "SubscriptionValidation",
    });
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" });
  });

  it("a key with / ? .. stays one path segment of the OData URL; a key .. is never sent", async () => {
    const sneaky = "1000746/../../../A_User?$top=1000";
    const dots = "..";
    const a = thinEvent(sneaky);
    const b = thinEvent(dots);
    await structured("s4-business-partner", a);
    await structured("s4-business-partner", b);
    const [resultA, resultB] = [await resultFor(a.source, a.id), await resultFor(b.source, b.id)];
    expect(s4.gets()).toContain(`${BP_PATH}/1000746%2F..%2F..%2F..%2FA_User%3F%24top%3D1000`);
    expect(
      s4.gets().every((url) => url.startsWith(`${BP_PATH}/`) && !url.slice(BP_PATH.length + 1).includes("/")),
    ).toBe(true);
    expect(resultA.data.problem).toMatchObject({
      type: "urn:aicore-relay:problem:enrichment-failed",
      upstreamStatus: 404,
    });
    expect(resultB.data.problem).toMatchObject({
      type: "urn:aicore-relay:problem:enrichment-failed",
      pointer: "/data/BusinessPartner",
    });
    expect(s4.gets().filter((url) => url === `${BP_PATH}/..` || url === BP_PATH)).toEqual([]);
  });

  it("enrichment 404 ends the event with a failed result and no model call", async () => {
    const before = await predictCalls();
    const event = thinEvent("9999999");
    await structured("s4-business-partner", event);
    const result = await resultFor(event.source, event.id);
    expect(result).toMatchObject({
      type: FAILED_TYPE,
      data: {
        attempts: 1,
        problem: { type: "urn:aicore-relay:problem:enrichment-failed", upstreamStatus: 404 },
      },
    });
    expect(s4.gets().filter((url) => url === `${BP_PATH}/9999999`)).toHaveLength(1);
    expect(await predictCalls()).toBe(before);
  });

  it("enrichment 503 is retried: inside the job, then by the queue, until the source system answers", async () => {
    s4.partners.set("2000001", partnerRecord("2000001"));
    s4.failures.set("2000001", [503, 503, 503, 503, 503]);
    const event = thinEvent("2000001");
    await structured("s4-business-partner", event);
    const result = await resultFor(event.source, event.id);
    expect(result).toMatchObject({ type: SUCCEEDED_TYPE, data: { attempts: 2 } });
    // 4 attempts of the first run (3 retries), then the second delivery's first GET succeeds.
    expect(s4.gets().filter((url) => url === `${BP_PATH}/2000001`)).toHaveLength(6);
  });
});
