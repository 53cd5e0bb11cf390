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

const record: DeploymentRecord = {
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
    const store = new TableRecordStore(
      { kind: "connectionString", connectionString: azurite.connectionString },
      { tableName: "coldrecords" },
    );
    await expect(store.read("churn")).resolves.toBeUndefined();
    expect(await tableNames()).not.toContain("coldrecords");
    await store.write(record);
    expect(await tableNames()).toContain("coldrecords");
    await expect(store.read("churn")).resolves.toMatchObject({ model: "churn", deploymentId: "d0001" });
    await store.write({ ...record, deploymentId: "d0002" });
    await expect(store.read("churn")).resolves.toMatchObject({ deploymentId: "d0002" });
  });
});
