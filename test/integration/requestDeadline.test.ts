import { afterEach, describe, expect, it } from "vitest";
import { createHarness } from "../support/relayHarness";
import { CHURN_EXAMPLE, shippedModels, useAzuriteAndEmulator } from "../support/world";

// REQUEST_DEADLINE_MS bounds a whole request, the batch's fan-out included: past it, no new upstream call starts
// and the calls in flight are aborted.
const world = useAzuriteAndEmulator();

afterEach(() => world.emulator.control.clearFaults());

describe("the request deadline", () => {
  it("a 40-instance batch against a 2 s model with REQUEST_DEADLINE_MS=3000 ends by the deadline (+1 s) with a 504, and starts no call after it", async () => {
    const h = createHarness({
      serviceKey: world.emulator.serviceKey,
      storageConnectionString: world.azurite.connectionString,
      catalog: shippedModels(),
      settings: { requestDeadlineMs: 3_000 },
    });
    await h.refresh();
    await world.emulator.control.setFaults([
      { kinds: ["predict"], fraction: 1, action: { type: "latency", ms: 2_000 } },
    ]);
    await world.emulator.control.resetRequests();
    const started = performance.now();
    const answer = await h.predict("churn", { instances: Array.from({ length: 40 }, () => CHURN_EXAMPLE) });
    const elapsed = performance.now() - started;
    expect(answer.status).toBe(504);
    expect(answer.json()).toMatchObject({ type: "urn:aicore-relay:problem:upstream-timeout" });
    expect(elapsed).toBeLessThan(3_000 + 1_000);
    // 8 at a time: the first 8 answer at 2 s, the next 8 are cut off at 3 s; none is started after that.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await world.emulator.control.requests()).byKind.predict).toBeLessThanOrEqual(16);
  });
});

describe("a model server that trickles its answer", () => {
  it("a synchronous predict answers 504 at REQUEST_DEADLINE_MS, and the bulkhead slot it held is free again at once", async () => {
    const h = createHarness({
      serviceKey: world.emulator.serviceKey,
      storageConnectionString: world.azurite.connectionString,
      catalog: shippedModels(),
      // One slot: the next prediction can only be served if the trickled call gave its slot back.
      settings: { requestDeadlineMs: 2_000, maxConcurrentUpstream: 1 },
    });
    await h.refresh();
    expect((await h.predict("churn", CHURN_EXAMPLE)).status).toBe(200);
    // Headers at once, then a byte every 200 ms: 20 s for the whole answer, an idle timer never fires.
    await world.emulator.control.setFaults([
      { kinds: ["predict"], times: 1, action: { type: "trickle", intervalMs: 200, bytes: 100 } },
    ]);
    const started = performance.now();
    const answer = await h.predict("churn", CHURN_EXAMPLE);
    const elapsed = performance.now() - started;
    expect(answer.status).toBe(504);
    expect(answer.json()).toMatchObject({ type: "urn:aicore-relay:problem:upstream-timeout" });
    expect(elapsed).toBeLessThan(2_000 + 1_000);
    const next = performance.now();
    expect((await h.predict("churn", CHURN_EXAMPLE)).status).toBe(200);
    expect(performance.now() - next).toBeLessThan(1_000);
  });
});

describe("a management API that trickles its answers", () => {
  const slowManagement = { aiCoreTimeoutMs: 1_000, requestDeadlineMs: 20_000 };
  const trickle = (kind: string) => ({
    kinds: [kind],
    action: { type: "trickle", intervalMs: 200, bytes: 200 },
  });

  it("a token fetch is cut at AICORE_TIMEOUT_MS: a cold prediction answers 504 then, not at its 20 s deadline", async () => {
    // Records in Table storage first; the relay under test starts without a token.
    const warm = createHarness({
      serviceKey: world.emulator.serviceKey,
      storageConnectionString: world.azurite.connectionString,
      catalog: shippedModels(),
    });
    await warm.refresh();
    const h = createHarness({
      serviceKey: world.emulator.serviceKey,
      storageConnectionString: world.azurite.connectionString,
      catalog: shippedModels(),
      settings: slowManagement,
    });
    await world.emulator.control.setFaults([trickle("token")]);
    const started = performance.now();
    const answer = await h.predict("churn", CHURN_EXAMPLE);
    expect(answer.status).toBe(504);
    expect(performance.now() - started).toBeLessThan(1_000 + 1_500);
  });

  it("a deployment list is cut at AICORE_TIMEOUT_MS: the refresh ends then and keeps the last records", async () => {
    const h = createHarness({
      serviceKey: world.emulator.serviceKey,
      storageConnectionString: world.azurite.connectionString,
      catalog: shippedModels(),
      settings: slowManagement,
    });
    await h.refresh();
    await world.emulator.control.setFaults([trickle("list")]);
    const started = performance.now();
    await h.refresh();
    expect(performance.now() - started).toBeLessThan(1_000 + 1_500);
    await world.emulator.control.clearFaults();
    expect((await h.predict("churn", CHURN_EXAMPLE)).status).toBe(200);
  });
});
