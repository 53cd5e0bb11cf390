import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/config/catalog";
import { createHarness } from "../support/relayHarness";
import { CHURN_EXAMPLE as EXAMPLE, shippedCatalogJson, useAzuriteAndEmulator } from "../support/world";

const catalog = parseCatalog(shippedCatalogJson(), "default");

const world = useAzuriteAndEmulator();

describe("Table storage stopped mid-run", () => {
  it("keeps predicting from the records in memory, says so in health and deployments, and the timer survives", async () => {
    const h = createHarness({
      serviceKey: world.emulator.serviceKey,
      storageConnectionString: world.azurite.connectionString,
      catalog,
      recordTtlMs: 50, // expire the memory cache quickly so storage is really asked again
    });
    await h.refresh();
    expect((await h.predict("churn", EXAMPLE)).status).toBe(200);
    expect((await h.health()).json()).toEqual({ status: "ok" });

    await world.azurite.stop();

    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 60)); // let the 50 ms cache entry expire
      const answer = await h.predict("churn", EXAMPLE);
      expect(answer.status).toBe(200);
    }
    const health = await h.health();
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({ status: "degraded", storage: "unreachable", stale: true });
    const listed = (await h.deployments()).json() as {
      models: Record<string, { stale: boolean; usable: boolean }>;
    };
    expect(listed.models.churn).toMatchObject({ stale: true, usable: true });

    await expect(h.refresh()).resolves.toBeUndefined();
    expect(h.logs.some((line) => /not stored/.test(line))).toBe(true);
    expect((await h.predict("churn", EXAMPLE)).status).toBe(200);
  });

  const deadStorage = () =>
    // A port nothing listens on: storage is down from the start.
    world.azurite.connectionString.replace(
      /TableEndpoint=http:\/\/127\.0\.0\.1:\d+/,
      "TableEndpoint=http://127.0.0.1:9",
    );

  it("with storage down from the start, still serves by asking AI Core live, and health says degraded", async () => {
    const h = createHarness({
      serviceKey: world.emulator.serviceKey,
      storageConnectionString: deadStorage(),
      catalog,
    });
    const health = await h.health();
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({ status: "degraded", storage: "unreachable" });
    expect((await h.predict("churn", EXAMPLE)).status).toBe(200);
  });

  it("answers 503 in health only when storage is down, nothing is in memory and AI Core cannot be asked", async () => {
    const unreachableKey = {
      ...world.emulator.serviceKey,
      url: "http://127.0.0.1:9",
      serviceurls: { AI_API_URL: "http://127.0.0.1:9" },
    };
    const h = createHarness({ serviceKey: unreachableKey, storageConnectionString: deadStorage(), catalog });
    const health = await h.health();
    expect(health.status).toBe(503);
    expect(health.headers["Retry-After"]).toBe("30");
    expect(health.json()).toMatchObject({ status: "unavailable", storage: "unreachable" });
    expect(health.text).not.toMatch(/127\.0\.0\.1|http:/);
  });
});
