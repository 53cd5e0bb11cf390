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
