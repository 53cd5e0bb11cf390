import { afterEach, describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/config/catalog";
import { crmEvent, standardWebhooksHeaders } from "../producers/webhooks/signing";
import { createHarness } from "../support/relayHarness";
import { CHURN_EXAMPLE, shippedCatalogJson, useAzuriteAndEmulator } from "../support/world";

// Storage that hangs instead of refusing: Azurite stopped with SIGSTOP. The kernel still accepts connections,
// nobody answers them. Every storage call must give up on its own (STORAGE_TIMEOUT_MS), and the hot path must
// not wait for storage at all when it holds a record.
const CRM_SECRET = "whsec_Y3JtLWZyb3plbi1zdG9yYWdlLXRlc3Qtc2VjcmV0";
const shipped = shippedCatalogJson();
const catalog = parseCatalog({ models: shipped.models, sources: { crm: shipped.sources?.crm } }, "default");

const world = useAzuriteAndEmulator();
let sequence = 0;

afterEach(() => world.azurite.thaw());

/** How long a call took; a call that is still pending after `limitMs` resolves to "pending". */
async function timed<T>(call: Promise<T>, limitMs = 8_000): Promise<{ value: T | "pending"; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<"pending">((resolve) => {
    timer = setTimeout(() => resolve("pending"), limitMs);
  });
  const value = await Promise.race([call, pending]);
  clearTimeout(timer);
  return { value, ms: performance.now() - started };
}

function harness() {
  return createHarness({
    serviceKey: world.emulator.serviceKey,
    storageConnectionString: world.azurite.connectionString,
    catalog,
    recordTtlMs: 50, // the memory entry expires at once, so storage would be asked again
    env: { CRM_WEBHOOK_SECRET: CRM_SECRET },
    logger: { warn: () => {} },
  });
}

function crmDelivery(h: ReturnType<typeof harness>) {
  const body = JSON.stringify(crmEvent());
  return h.webhook("crm", body, {
    headers: {
      "content-type": "application/json",
      ...standardWebhooksHeaders(CRM_SECRET, `msg_frozen_${process.pid}_${sequence++}`, body),
    },
  });
}

describe("Table storage that hangs", () => {
  it("predictions with a record in memory answer at once, without waiting for storage", async () => {
    const h = harness();
    await h.refresh();
    expect((await h.predict("churn", CHURN_EXAMPLE)).status).toBe(200);
    world.azurite.freeze();
    await new Promise((resolve) => setTimeout(resolve, 60)); // the memory entry is now past its TTL
    for (let i = 0; i < 3; i++) {
      const { value, ms } = await timed(h.predict("churn", CHURN_EXAMPLE));
      expect(value === "pending" ? "pending" : value.status).toBe(200);
      expect(ms).toBeLessThan(1_000);
    }
  });

  it("health answers degraded within 3 s", async () => {
    const h = harness();
    await h.refresh();
    expect((await h.health()).json()).toEqual({ status: "ok" });
    world.azurite.freeze();
    const { value, ms } = await timed(h.health());
    expect(value === "pending" ? "pending" : value.json()).toMatchObject({
      status: "degraded",
      storage: "unreachable",
    });
    expect(ms).toBeLessThan(3_000);
  });

  it("a signed webhook delivery answers 503 delivery-records-unavailable within 3 s, and is scored once storage is back", async () => {
    const h = harness();
    await h.refresh();
    expect((await crmDelivery(h)).status).toBe(200); // the table exists, the connection is warm
    world.azurite.freeze();
    const { value, ms } = await timed(crmDelivery(h));
    expect(value === "pending" ? "pending" : value.status).toBe(503);
    if (value !== "pending") {
      expect(value.json()).toMatchObject({ type: "urn:aicore-relay:problem:delivery-records-unavailable" });
    }
    expect(ms).toBeLessThan(3_000);
    world.azurite.thaw();
    expect((await crmDelivery(h)).status).toBe(200);
  });
});
