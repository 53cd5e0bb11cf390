import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/config/catalog";
import { storageConnectionFromEnv } from "../../src/config/storageConnection";
import type { DeploymentRecord } from "../../src/deployments/deploymentRecord";
import type { RecordStore } from "../../src/deployments/recordStore";
import { createHarness } from "../support/relayHarness";
import { CHURN_EXAMPLE, shippedCatalogJson, useAzuriteAndEmulator } from "../support/world";

// Identity-based storage as the README once told it (blob and table URIs, no queue URI): on Azure the queue
// functions do not index, so the relay must say so rather than accept jobs that nobody takes.
const catalog = parseCatalog({ models: shippedCatalogJson().models }, "default");
const world = useAzuriteAndEmulator();

const NO_QUEUE_URI = {
  AzureWebJobsStorage__credential: "managedidentity",
  AzureWebJobsStorage__clientId: "00000000-0000-0000-0000-000000000001",
  AzureWebJobsStorage__blobServiceUri: "https://strelay01.blob.core.windows.net",
  AzureWebJobsStorage__tableServiceUri: "https://strelay01.table.core.windows.net",
};

/** Records in memory: the test is about the queue endpoint, and the account above does not exist. */
function memoryStore(): RecordStore {
  const records = new Map<string, DeploymentRecord>();
  return {
    read: async (model) => records.get(model),
    write: async (record) => {
      records.set(record.model, record);
    },
    ping: async () => undefined,
  };
}

const harness = () =>
  createHarness({
    serviceKey: world.emulator.serviceKey,
    storageConnectionString: world.azurite.connectionString,
    catalog,
    store: memoryStore(),
    settings: { storage: storageConnectionFromEnv(NO_QUEUE_URI) },
  });

describe("a storage connection without a queue endpoint", () => {
  it("health: degraded, naming AzureWebJobsStorage__queueServiceUri", async () => {
    const h = harness();
    await h.refresh();
    const health = await h.health();
    expect(health.status).toBe(200);
    const body = health.json() as { status: string; configuration: { setting: string }[]; reasons: string[] };
    expect(body.status).toBe("degraded");
    expect(body.configuration.map((c) => c.setting)).toEqual(["AzureWebJobsStorage__queueServiceUri"]);
    expect(body.reasons[0]).toMatch(/^configuration error: AzureWebJobsStorage__queueServiceUri is not set/);
    expect(health.text).not.toContain("strelay01");
  });

  it("a request that would enqueue answers 503 problem+json naming the setting; a synchronous prediction is served", async () => {
    const h = harness();
    const queued = await h.predict("churn", CHURN_EXAMPLE, {
      headers: { "content-type": "application/json", prefer: "respond-async" },
    });
    expect(queued.status).toBe(503);
    expect(queued.headers["Content-Type"]).toBe("application/problem+json");
    expect(queued.json()).toMatchObject({ status: 503, setting: "AzureWebJobsStorage__queueServiceUri" });
    expect((await h.predict("churn", CHURN_EXAMPLE)).status).toBe(200);
  });
});
