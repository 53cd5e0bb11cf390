import { readFileSync } from "node:fs";
import path from "node:path";
import { CloudEvent, HTTP } from "cloudevents";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Delivery,
  headerAttribute,
  parseDelivery,
} from "../../../src/producers/events/cloudEventsDelivery";
import { ProblemError } from "../../../src/shared/problem";

const fixtures = path.resolve(__dirname, "../../fixtures/events");
const fixture = (name: string) => readFileSync(path.join(fixtures, name), "utf8");
const S4_EVENT = JSON.parse(fixture("s4-business-partner-changed.cloudevent.json"));

function deliver(headers: Record<string, string>, body: string | Uint8Array): Delivery {
  return parseDelivery(new Headers(headers), typeof body === "string" ? Buffer.from(body) : body);
}

function refusal(headers: Record<string, string>, body: string) {
  try {
    deliver(headers, body);
  } catch (error) {
    if (error instanceof ProblemError) return error.problem;
    throw error;
  }
  throw new Error("was accepted");
}

function churnEvent(id: string) {
  return {
    specversion: "1.0",
    id,
    source: "/crm",
    type: "com.example.customer.changed",
    data: { region: 3, tenure: 37 },
  };
}

describe("CloudEvents deliveries", () => {
  it("a structured S/4HANA business event is one event, as its JSON format writes it", () => {
    const delivery = deliver(
      { "content-type": "application/cloudevents+json; charset=utf-8" },
      fixture("s4-business-partner-changed.cloudevent.json"),
    );
    expect(delivery).toEqual({
      kind: "events",
      mode: "structured",
      events: [{ id: S4_EVENT.id, source: S4_EVENT.source, type: S4_EVENT.type, json: S4_EVENT }],
    });
  });

  it("a structured event sent by the SDK's own emitter reads back to the same event", () => {
    const sent = new CloudEvent({
      id: "e-1",
      source: "/crm",
      type: "t.changed",
      subject: "42",
      data: { a: 1 },
    });
    const message = HTTP.structured(sent);
    const delivery = deliver(message.headers as Record<string, string>, String(message.body));
    expect(delivery.kind === "events" && delivery.events[0]?.json).toMatchObject({
      id: "e-1",
      subject: "42",
      data: { a: 1 },
      time: sent.time,
    });
  });

  it("a binary event takes its attributes from ce-* headers and its data from the body", () => {
    const sent = new CloudEvent({ id: "b-1", source: "/erp", type: "t.changed", data: { region: 2 } });
    const message = HTTP.binary(sent);
    const delivery = deliver(
      { ...(message.headers as Record<string, string>), "ce-tenant": "acme" },
      String(message.body),
    );
    expect(delivery).toMatchObject({
      mode: "binary",
      events: [
        {
          id: "b-1",
          source: "/erp",
          type: "t.changed",
          json: { data: { region: 2 }, tenant: "acme", datacontenttype: "application/json; charset=utf-8" },
        },
      ],
    });
  });

  it("a binary event without ce-time gets no invented time", () => {
    const delivery = deliver(
      {
        "content-type": "application/json",
        "ce-specversion": "1.0",
        "ce-id": "b-2",
        "ce-source": "/s",
        "ce-type": "t",
      },
      '{"x":1}',
    );
    expect(delivery.kind === "events" && delivery.events[0]?.json).not.toHaveProperty("time");
  });

  it.each([["application/cloudevents-batch+json"], ["application/json"]])(
    "a batch sent as %s is each of its events, in order",
    (contentType) => {
      const events = Array.from({ length: 3 }, (_, index) => churnEvent(`c-${index}`));
      const delivery = deliver({ "content-type": contentType }, JSON.stringify(events));
      expect(delivery).toMatchObject({ mode: "batched", events: events.map(({ id }) => ({ id })) });
    },
  );

  it("an Event Grid schema delivery becomes CloudEvents: topic is the source, eventType the type", () => {
    const delivery = deliver(
      { "content-type": "application/json", "aeg-event-type": "Notification" },
      fixture("eventgrid-notification.json"),
    );
    const [sent] = JSON.parse(fixture("eventgrid-notification.json"));
    expect(delivery).toEqual({
      kind: "events",
      mode: "eventgrid",
      refused: [],
      unidentified: 0,
      events: [
        {
          id: sent.id,
          source: sent.topic,
          type: sent.eventType,
          json: {
            specversion: "1.0",
            id: sent.id,
            source: sent.topic,
            type: sent.eventType,
            subject: sent.subject,
            time: sent.eventTime,
            datacontenttype: "application/json",
            data: sent.data,
          },
        },
      ],
    });
  });

  it("an Event Grid system event in the CloudEvents schema, with its dataschema #, is taken as sent", () => {
    const blobCreated = {
      specversion: "1.0",
      type: "Microsoft.Storage.BlobCreated",
      source: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct",
      id: "9aeb0fdf-c01e-0131-0922-9eb54906e209",
      time: "2019-11-18T15:13:39.4589254Z",
      subject: "blobServices/default/containers/c/blobs/f.png",
      dataschema: "#",
      data: { api: "PutBlockList", contentLength: 30699 },
    };
    const delivery = deliver({ "content-type": "application/cloudevents+json" }, JSON.stringify(blobCreated));
    expect(delivery).toMatchObject({ mode: "structured", events: [{ json: blobCreated }] });
  });

  it("an Event Grid subscription validation gives its validation code", () => {
    const delivery = deliver(
      { "content-type": "application/json", "aeg-event-type": "SubscriptionValidation" },
      fixture("eventgrid-subscription-validation.json"),
    );
    expect(delivery).toEqual({
      kind: "subscription-validation",
      validationCode: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
    });
  });

  it.each([
    ["plain JSON that is no event", { "content-type": "application/json" }, '{"region":3}'],
    ["not JSON", { "content-type": "application/cloudevents+json" }, "region=3"],
    [
      "an event without id",
      { "content-type": "application/cloudevents+json" },
      '{"specversion":"1.0","source":"/s","type":"t"}',
    ],
    [
      "an event of specversion 0.3",
      { "content-type": "application/cloudevents+json" },
      '{"specversion":"0.3","id":"1","source":"/s","type":"t"}',
    ],
    [
      "an event with a bad time",
      { "content-type": "application/cloudevents+json" },
      '{"specversion":"1.0","id":"1","source":"/s","type":"t","time":"yesterday"}',
    ],
    ["a batch that is an object", { "content-type": "application/cloudevents-batch+json" }, '{"a":1}'],
    [
      "binary headers without ce-type",
      { "content-type": "application/json", "ce-id": "1", "ce-source": "/s", "ce-specversion": "1.0" },
      "{}",
    ],
    [
      "a validation without a code",
      { "content-type": "application/json", "aeg-event-type": "SubscriptionValidation" },
      '[{"eventType":"x"}]',
    ],
    ["an empty body", { "content-type": "application/cloudevents+json" }, ""],
  ])("%s is refused 400", (_name, headers, body) => {
    expect(refusal(headers, body).status).toBe(400);
  });

  it("a batch of 101 events is refused", () => {
    const events = Array.from({ length: 101 }, (_, index) => churnEvent(`c-${index}`));
    expect(
      refusal({ "content-type": "application/cloudevents-batch+json" }, JSON.stringify(events)).detail,
    ).toContain("at most 100");
  });

  it("a batch with malformed elements is taken per element: the bad ones that name id and source refused alone, the rest counted", () => {
    const events = [churnEvent("ok"), { ...churnEvent("x"), type: "" }, "nope", { id: "y" }];
    const delivery = deliver({ "content-type": "application/json" }, JSON.stringify(events));
    expect(delivery).toMatchObject({
      kind: "events",
      events: [{ id: "ok" }],
      refused: [{ id: "x", source: churnEvent("x").source, reason: expect.stringContaining("type") }],
      unidentified: 2,
    });
  });

  it("an empty batch is a batch: taken, with nothing in it", () => {
    for (const type of ["application/cloudevents-batch+json", "application/json"]) {
      expect(deliver({ "content-type": type }, "[]")).toMatchObject({
        kind: "events",
        events: [],
        refused: [],
      });
    }
  });

  it("an Event Grid event without a topic is refused alone", () => {
    const [sent] = JSON.parse(fixture("eventgrid-notification.json"));
    const { topic: _topic, ...untopical } = sent;
    const delivery = deliver({ "content-type": "application/json" }, JSON.stringify([untopical]));
    expect(delivery).toMatchObject({ events: [], unidentified: 1 });
  });

  it("binary data that is neither JSON nor text is data_base64, not a serialized Buffer", () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    const delivery = deliver(
      {
        "content-type": "application/octet-stream",
        "ce-id": "b1",
        "ce-source": "/s",
        "ce-type": "t",
        "ce-specversion": "1.0",
      },
      bytes,
    );
    if (delivery.kind !== "events") throw new Error("no events");
    const json = delivery.events[0]?.json ?? {};
    expect(json.data_base64).toBe(bytes.toString("base64"));
    expect(json).not.toHaveProperty("data");
  });

  it("a structured event's data_base64 is decoded into data when it is JSON or text, kept alone otherwise", () => {
    const base = { specversion: "1.0", id: "s1", source: "/s", type: "t" };
    const json = (datacontenttype: string, payload: Buffer) => {
      const delivery = deliver(
        { "content-type": "application/cloudevents+json" },
        JSON.stringify({ ...base, datacontenttype, data_base64: payload.toString("base64") }),
      );
      if (delivery.kind !== "events") throw new Error("no events");
      return delivery.events[0]?.json ?? {};
    };
    expect(json("application/json", Buffer.from('{"tenure":3}'))).toMatchObject({ data: { tenure: 3 } });
    expect(json("application/json", Buffer.from('{"tenure":3}'))).not.toHaveProperty("data_base64");
    expect(json("text/plain", Buffer.from("héllo"))).toMatchObject({ data: "héllo" });
    const raw = json("application/octet-stream", Buffer.from([1, 2, 3]));
    expect(raw).toEqual(expect.objectContaining({ data_base64: "AQID" }));
    expect(raw).not.toHaveProperty("data");
  });

  it("binary-mode ce-* values are percent-decoded (and quoted-strings unquoted) before they name the event", () => {
    const delivery = deliver(
      {
        "content-type": "application/json",
        "ce-id": "order%20%C3%A9t%C3%A9",
        "ce-source": '"/crm%2Feu"',
        "ce-type": "com.example.changed",
        "ce-specversion": "1.0",
      },
      "{}",
    );
    expect(delivery).toMatchObject({ events: [{ id: "order été", source: "/crm/eu" }] });
    expect(headerAttribute('"a\\"b"')).toBe('a"b');
    expect(
      refusal(
        {
          "content-type": "application/json",
          "ce-id": "100%",
          "ce-source": "/s",
          "ce-type": "t",
          "ce-specversion": "1.0",
        },
        "{}",
      ).status,
    ).toBe(400);
  });

  it("a media type no mode uses is 415", () => {
    expect(refusal({ "content-type": "text/plain" }, "hello").status).toBe(415);
    expect(refusal({}, "hello").status).toBe(415);
  });

  it("no delivery, however malformed, throws anything but a 400/415 problem (5,000 generated)", () => {
    const contentTypes = fc.constantFrom(
      "application/cloudevents+json",
      "application/cloudevents-batch+json",
      "application/json",
      "text/plain",
      "",
    );
    const attribute = fc.oneof(fc.string(), fc.constant("1.0"), fc.integer(), fc.constant(null));
    const eventLike = fc.record(
      {
        specversion: attribute,
        id: attribute,
        source: attribute,
        type: attribute,
        time: attribute,
        data: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.string().map((text) => Buffer.from(text)),
      fc.uint8Array({ maxLength: 200 }),
      fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? "")),
      eventLike.map((value) => Buffer.from(JSON.stringify(value))),
      fc.array(eventLike, { maxLength: 5 }).map((value) => Buffer.from(JSON.stringify(value))),
    );
    const headers = fc.record(
      {
        "content-type": contentTypes,
        "ce-id": fc.string(),
        "ce-specversion": fc.constantFrom("1.0", "0.3", ""),
        "ce-source": fc.string(),
        "ce-type": fc.string(),
        "aeg-event-type": fc.constantFrom("Notification", "SubscriptionValidation"),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(headers, body, (sent, bytes) => {
        try {
          const valid = Object.entries(sent).filter(([, value]) => /^[\t\x20-\x7e]*$/.test(value));
          parseDelivery(new Headers(valid), bytes);
        } catch (error) {
          if (!(error instanceof ProblemError)) throw error;
          expect([400, 415]).toContain(error.problem.status);
        }
      }),
      { numRuns: 5_000 },
    );
  });
});
