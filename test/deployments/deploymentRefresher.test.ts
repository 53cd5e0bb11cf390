import { describe, expect, it } from "vitest";
import type { DeploymentsApi } from "../../src/aicore/deploymentsApi";
import { CachedRecords } from "../../src/deployments/cachedRecords";
import type { DeploymentRecord } from "../../src/deployments/deploymentRecord";
import { DeploymentRefresher } from "../../src/deployments/deploymentRefresher";
import type { RecordStore } from "../../src/deployments/recordStore";
import type { Logger } from "../../src/shared/logger";
import { shippedModels } from "../support/world";

/** An invocation's logger that records what it was given, and refuses lines after its invocation ended. */
function invocation(name: string) {
  const lines: string[] = [];
  let ended = false;
  const logger: Logger = {
    log: (...args) => write("info", args),
    warn: (...args) => write("warning", args),
    error: (...args) => write("error", args),
  };
  function write(level: string, args: unknown[]) {
    if (ended) throw new Error(`${name} logged after its invocation ended: ${args.join(" ")}`);
    lines.push(`${level} ${args.join(" ")}`);
  }
  return { logger, lines, end: () => (ended = true) };
}

/** A list call that waits until the test answers it. */
function heldApi() {
  const calls: Array<(deployments: unknown[]) => void> = [];
  const api = {
    list: () => new Promise<unknown[]>((resolve) => calls.push(resolve)),
  } as unknown as DeploymentsApi;
  return { api, calls };
}

const memoryStore = (): RecordStore => {
  const records = new Map<string, DeploymentRecord>();
  return {
    read: async (model) => records.get(model),
    write: async (record) => void records.set(record.model, record),
    ping: async () => {},
  };
};

const RUNNING = {
  id: "d1",
  configurationId: "c1",
  scenarioId: "churn",
  executableId: "churn-serving",
  deploymentUrl: "https://ai.example/v2/inference/deployments/d1",
  status: "RUNNING",
  targetStatus: "RUNNING",
  createdAt: "2026-11-27T10:00:00Z",
  modifiedAt: "2026-11-27T10:00:00Z",
  startTime: "2026-11-27T10:00:00Z",
};

describe("deployment refresher: the log of a shared list call", () => {
  it("writes through an invocation still waiting, never one whose deadline ended it; changes as warnings", async () => {
    const catalog = shippedModels();
    const model = [...catalog.models.values()][0];
    if (!model) throw new Error("no model");
    const { api, calls } = heldApi();
    const refresher = new DeploymentRefresher(catalog, api, new CachedRecords(memoryStore()));
    const first = invocation("first");
    const second = invocation("second");
    const deadline = new AbortController();
    const firstWait = refresher.refreshModel(model, first.logger, deadline.signal);
    const secondWait = refresher.refreshModel(model, second.logger);
    expect(calls).toHaveLength(1); // one list call for both
    deadline.abort(new Error("deadline"));
    await expect(firstWait).rejects.toThrow("deadline");
    first.end();
    calls[0]?.([RUNNING]);
    expect((await secondWait).deploymentId).toBe("d1");
    expect(first.lines).toEqual([]);
    expect(second.lines).toEqual([
      expect.stringMatching(/^warning model churn: deployment none -> d1 RUNNING\/RUNNING/),
    ]);
  });

  it("holds the lines while no invocation waits and writes them through the next one", async () => {
    const catalog = shippedModels();
    const model = [...catalog.models.values()][0];
    if (!model) throw new Error("no model");
    const { api, calls } = heldApi();
    const refresher = new DeploymentRefresher(catalog, api, new CachedRecords(memoryStore()));
    const only = invocation("only");
    const deadline = new AbortController();
    const wait = refresher.refreshModel(model, only.logger, deadline.signal);
    deadline.abort(new Error("deadline"));
    await expect(wait).rejects.toThrow("deadline");
    only.end();
    calls[0]?.([RUNNING]);
    await new Promise((resolve) => setImmediate(resolve));
    const next = invocation("next");
    const tick = refresher.refreshAll(next.logger);
    expect(next.lines).toEqual([expect.stringMatching(/^warning model churn: deployment none -> d1/)]);
    calls[1]?.([RUNNING]);
    expect(await tick).toMatchObject({ failedGroups: 0 });
  });
});
