import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../../src/config/catalog";
import { createHarness } from "../../support/relayHarness";
import { CHURN_EXAMPLE, shippedCatalogJson, useAzuriteAndEmulator } from "../../support/world";

// The events handler called as the Functions host calls it, against Azurite; every answer is checked against the
// OpenAPI description of the catalog.
const world = useAzuriteAndEmulator();
const json = shippedCatalogJson();
const catalog = parseCatalog(
  {
    models: json.models,
    events: {
      ...json.events,
      s4: {
        model: "churn",
        types: ["bp.changed"],
        enrich: {
          url: "http://127.0.0.1:9/bp/{/data/BusinessPartner}",
          auth: { type: "basic", userSetting: "EV_TEST_S4_USER", passwordSetting: "EV_TEST_S4_PASSWORD" },
        },
      },
      "crm-push": {
        model: "churn",
        types: ["com.example.customer.changed"],
        callback: { url: "https://crm.example.com/hooks/churn-scores?token=t0p" },
      },
    },
  },
  "default",
);
const EVENT = {
  specversion: "1.0",
  id: "h-1",
  source: "/crm",
  type: "com.example.customer.changed",
  data: CHURN_EXAMPLE,
};

function harness(storageConnectionString = world.azurite.connectionString) {
  return createHarness({ serviceKey: world.emulator.serviceKey, storageConnectionString, catalog, env: {} });
}

describe("POST /api/events/{name}", () => {
  it("queues a structured event: 202 with its receipt", async () => {
    const answer = await harness().events(
      "customer-changed",
      JSON.stringify({ ...EVENT, id: `h-${Date.now()}` }),
    );
    expect(answer.status).toBe(202);
    expect(answer.json()).toMatchObject({ entry: "customer-changed", events: [{ status: "queued" }] });
  });

  it("answers 503 with Retry-After when job storage is unreachable, so the broker retries", async () => {
    // Ports nothing listens on: the job table and the queues are down.
    const dead = world.azurite.connectionString.replace(
      /(Table|Queue)Endpoint=http:\/\/127\.0\.0\.1:\d+/g,
      "$1Endpoint=http://127.0.0.1:9",
    );
    const answer = await harness(dead).events("customer-changed", JSON.stringify(EVENT));
    expect(answer.status).toBe(503);
    expect(answer.headers["Retry-After"]).toMatch(/^\d+$/);
    expect(answer.headers["Content-Type"]).toBe("application/problem+json");
  });

  it("answers 503 with Retry-After for an entry whose credential settings are unset, and says so once at start", async () => {
    const h = harness();
    const answer = await h.events("s4", JSON.stringify({ ...EVENT, type: "bp.changed" }));
    expect(answer.status).toBe(503);
    expect(answer.headers["Retry-After"]).toBe("60");
    expect(answer.json()).toMatchObject({ type: "urn:aicore-relay:problem:events-entry-not-configured" });
    expect(
      h.logs.filter((line) => line.includes("EV_TEST_S4_USER, EV_TEST_S4_PASSWORD not set")),
    ).toHaveLength(1);
  });

  it("answers 422 callback-refused for an entry whose callback is refused (here: callbacks are off), and takes no event", async () => {
    const h = harness();
    const event = { ...EVENT, id: `refused-${Date.now()}` };
    const answer = await h.events("crm-push", JSON.stringify(event));
    expect(answer.status).toBe(422);
    expect(answer.json()).toMatchObject({
      type: "urn:aicore-relay:problem:callback-refused",
      detail: expect.stringContaining("CALLBACK_SIGNING_SECRET is not set"),
    });
    expect(await (await h.relay.features()).jobs.get(`event:/crm#${event.id}`)).toBeUndefined();
    expect(
      h.logs.filter((line) => line.includes("events entry crm-push: its callback is refused")),
    ).toHaveLength(1);
    expect(h.logs.join("\n")).not.toContain("t0p");
  });

  it("answers 404 for an unknown entry, naming the known ones", async () => {
    const answer = await harness().events("nope", JSON.stringify(EVENT));
    expect(answer.status).toBe(404);
    expect(answer.json()).toMatchObject({ knownEntries: ["customer-changed", "s4", "crm-push"] });
  });

  it("answers 405 with Allow for a method other than POST and OPTIONS", async () => {
    const answer = await harness().events("customer-changed", "", { method: "GET" });
    expect(answer.status).toBe(405);
    expect(answer.headers.Allow).toBe("POST, OPTIONS");
  });

  it("answers 415 for a content type no mode uses, and 413 for a body over MAX_BODY_BYTES", async () => {
    const h = harness();
    expect(
      (await h.events("customer-changed", "hello", { headers: { "content-type": "text/plain" } })).status,
    ).toBe(415);
    const big = JSON.stringify({ ...EVENT, data: { blob: "x".repeat(1024 * 1024) } });
    expect((await h.events("customer-changed", big)).status).toBe(413);
  });
});
