import { TableServiceClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DeploymentRecord } from "../../src/deployments/deploymentRecord";
import { TableRecordStore } from "../../src/deployments/tableRecordStore";
import { type RunningAzurite, startAzurite } from "../support/azurite";

// The deployment records in Table storage (Azurite): a cold instance's first read costs one round trip.
let azurite: RunningAzurite;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

const CHURN = { resourceGroup: "default", scenarioId: "churn", executableId: "churn-serving" };
const DEV_API = "https://api.ai.dev.example.test";
const PROD_API = "https://api.ai.prod.example.test";

/** A relay's store: its AI Core instance and its catalog's scope of each model. */
const storeOf = (aiApiUrl: string, scopes: Record<string, typeof CHURN>, tableName = "deployments") =>
  new TableRecordStore(
    { kind: "connectionString", connectionString: azurite.connectionString },
    { tableName, aiApiUrl, scopeOf: (model) => scopes[model] },
  );

const record: DeploymentRecord = {
  ...CHURN,
  model: "churn",
  deploymentId: "d0001",
  deploymentUrl: "http://127.0.0.1:1/v2/inference/deployments/d0001",
  status: "RUNNING",
  usable: true,
} as DeploymentRecord;

async function tableNames(): Promise<string[]> {
  const service = TableServiceClient.fromConnectionString(azurite.connectionString, {
    allowInsecureConnection: true,
  });
  const names: string[] = [];
  for await (const table of service.listTables()) names.push(table.name ?? "");
  return names;
}

describe("TableRecordStore", () => {
  it("reads no record from an account without the table, without creating it; the first write creates it", async () => {
    const store = storeOf(DEV_API, { churn: CHURN }, "coldrecords");
    await expect(store.read("churn")).resolves.toBeUndefined();
    expect(await tableNames()).not.toContain("coldrecords");
    await store.write(record);
    expect(await tableNames()).toContain("coldrecords");
    await expect(store.read("churn")).resolves.toMatchObject({ model: "churn", deploymentId: "d0001" });
    await store.write({ ...record, deploymentId: "d0002" });
    await expect(store.read("churn")).resolves.toMatchObject({ deploymentId: "d0002" });
  });

  it("two relays on one storage account never read each other's records: another AI Core instance, resource group or scenario", async () => {
    const dev = storeOf(DEV_API, { churn: CHURN });
    const prod = storeOf(PROD_API, { churn: CHURN });
    const holdout = storeOf(DEV_API, {
      churn: { resourceGroup: "rg-holdout", scenarioId: "holdout-churn", executableId: "churn-serving" },
    });
    await dev.write({ ...record, deploymentId: "dev-d1" });
    await expect(dev.read("churn")).resolves.toMatchObject({ deploymentId: "dev-d1" });
    await expect(prod.read("churn")).resolves.toBeUndefined();
    await expect(holdout.read("churn")).resolves.toBeUndefined();

    await prod.write({ ...record, deploymentId: "prod-d1" });
    await holdout.write({
      ...record,
      ...{ resourceGroup: "rg-holdout", scenarioId: "holdout-churn" },
      deploymentId: "h1",
    });
    await expect(dev.read("churn")).resolves.toMatchObject({ deploymentId: "dev-d1" });
    await expect(prod.read("churn")).resolves.toMatchObject({ deploymentId: "prod-d1" });
    await expect(holdout.read("churn")).resolves.toMatchObject({ deploymentId: "h1" });
  });

  it("two catalogs of one AI Core instance that name the same deployment share its record (it is the same deployment)", async () => {
    const first = storeOf(DEV_API, { churn: CHURN }, "sharedrecords");
    const second = storeOf(DEV_API, { churn: CHURN }, "sharedrecords");
    await first.write({ ...record, deploymentId: "shared-d1" });
    await expect(second.read("churn")).resolves.toMatchObject({ deploymentId: "shared-d1" });
  });
});
