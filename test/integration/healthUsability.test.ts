import { beforeEach, describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/config/catalog";
import { SEEDED_DEPLOYMENT_ID } from "../../src/dev/emulator/seededState";
import { createHarness } from "../support/relayHarness";
import { CHURN_EXAMPLE, shippedCatalogJson, useAzuriteAndEmulator } from "../support/world";

// Health and deployments against Azurite and the emulator as processes: what health says when no model can be
// scored, and that `stale` means one thing in both.
const catalog = parseCatalog({ models: shippedCatalogJson().models }, "default");
const world = useAzuriteAndEmulator();

beforeEach(async () => {
  await world.emulator.control.reset();
  await world.emulator.control.clearFaults();
});

const harness = () =>
  createHarness({
    serviceKey: world.emulator.serviceKey,
    storageConnectionString: world.azurite.connectionString,
    catalog,
    predictPolicy: { baseDelayMs: 1, maxDelayMs: 2 },
  });

describe("health names the models that cannot be scored", () => {
  it("every deployment DEAD: predict 503, health 200 degraded naming churn, not stale, no refresh failure claimed", async () => {
    const h = harness();
    await h.refresh();
    expect((await h.health()).json()).toEqual({ status: "ok" });

    await world.emulator.control.patchDeployment(SEEDED_DEPLOYMENT_ID, { status: "DEAD" });
    await h.refresh();
    expect((await h.predict("churn", CHURN_EXAMPLE)).status).toBe(503);

    const health = await h.health();
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({
      status: "degraded",
      storage: "ok",
      stale: false,
      unusable: ["churn"],
      reasons: ["no usable deployment: churn"],
      models: { churn: { usable: false, refreshedAt: expect.any(String), stale: false } },
    });
    const listed = (await h.deployments()).json() as {
      models: Record<string, { stale: boolean; deletesAt: string | null }>;
    };
    expect(listed.models.churn?.stale).toBe(false);
    // The emulator stamped completionTime on the PATCH, as AI Core does: AI Core deletes it 7 days later.
    expect(listed.models.churn?.deletesAt).toEqual(expect.any(String));
  });

  it("a failed refresh: health says the last refresh did not succeed, and deployments call the same record stale", async () => {
    const h = harness();
    await h.refresh();
    await world.emulator.control.setFaults([
      { kinds: ["list", "token"], fraction: 1, action: { type: "status", status: 500 } },
    ]);
    await h.refresh();

    const health = health200(await h.health());
    expect(health).toMatchObject({ status: "degraded", storage: "ok", stale: true, unusable: [] });
    expect(health.reasons).toEqual(["the last refresh from AI Core did not succeed: churn"]);
    const listed = (await h.deployments()).json() as {
      models: Record<string, { stale: boolean; lastError: string | null; usable: boolean }>;
    };
    expect(listed.models.churn).toMatchObject({ stale: true, usable: true, lastError: expect.any(String) });
    // The last good record still serves.
    await world.emulator.control.clearFaults();
    expect((await h.predict("churn", CHURN_EXAMPLE)).status).toBe(200);
  });
});

function health200(answer: {
  status: number;
  json(): unknown;
}): Record<string, unknown> & { reasons: string[] } {
  expect(answer.status).toBe(200);
  return answer.json() as Record<string, unknown> & { reasons: string[] };
}
