import { describe, expect, it } from "vitest";
import { CachedRecords } from "../../src/deployments/cachedRecords";
import type { DeploymentRecord } from "../../src/deployments/deploymentRecord";
import type { RecordStore } from "../../src/deployments/recordStore";

function record(deploymentId: string): DeploymentRecord {
  return {
    model: "churn",
    resourceGroup: "default",
    scenarioId: "churn",
    executableId: "churn-serving",
    deploymentId,
    deploymentUrl: `https://ai.example/v2/inference/deployments/${deploymentId}`,
    status: "RUNNING",
    targetStatus: "RUNNING",
    statusMessage: null,
    lastOperation: null,
    configurationId: null,
    latestRunningConfigurationId: null,
    usable: true,
    reason: "RUNNING",
    refreshedAt: "2026-11-27T10:00:00Z",
    deletesAt: null,
    lastError: null,
    lastAttemptAt: null,
  };
}

/** A store whose reads wait until the test answers them, as a storage account that hangs does. */
function heldStore() {
  const reads: Array<(value: DeploymentRecord | undefined) => void> = [];
  const store: RecordStore = {
    read: () => new Promise((resolve) => reads.push(resolve)),
    write: async () => {},
    ping: async () => {},
  };
  return { store, reads };
}

describe("records in memory (stale-while-revalidate)", () => {
  it("a record past its TTL is answered at once while one reload runs in the background", async () => {
    let now = 0;
    const { store, reads } = heldStore();
    const records = new CachedRecords(store, 1_000, () => now);
    const first = records.get("churn");
    reads.shift()?.(record("d1"));
    expect((await first).record?.deploymentId).toBe("d1");

    now = 5_000; // past the TTL; storage now hangs
    const answers = await Promise.all([records.get("churn"), records.get("churn"), records.get("churn")]);
    expect(answers.map((a) => a.record?.deploymentId)).toEqual(["d1", "d1", "d1"]);
    expect(reads).toHaveLength(1); // one background reload for all three

    reads.shift()?.(record("d2"));
    await new Promise((resolve) => setImmediate(resolve));
    expect((await records.get("churn")).record?.deploymentId).toBe("d2");
  });

  it("with nothing in memory, the caller waits for storage", async () => {
    const { store, reads } = heldStore();
    const records = new CachedRecords(store, 1_000, () => 0);
    let settled = false;
    const pending = records.get("churn").then((read) => {
      settled = true;
      return read;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    reads.shift()?.(record("d1"));
    expect((await pending).record?.deploymentId).toBe("d1");
  });

  it("a record put while a reload is in flight is not overwritten by what the reload read", async () => {
    let now = 0;
    const { store, reads } = heldStore();
    const records = new CachedRecords(store, 1_000, () => now);
    const first = records.get("churn");
    reads.shift()?.(record("d1"));
    await first;
    now = 5_000;
    await records.get("churn"); // starts the background reload
    await records.put(record("d3"));
    reads.shift()?.(record("d1")); // the reload read storage before the put
    await new Promise((resolve) => setImmediate(resolve));
    expect(records.peek("churn")?.deploymentId).toBe("d3");
  });
});
