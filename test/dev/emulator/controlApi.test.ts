import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RequestLogSnapshot } from "../../../src/dev/emulator/requestLog";
import { EmulatorClient, PREDICT_PATH, requestToken, SAP_EXAMPLE_INSTANCE } from "./emulatorClient";

let client: EmulatorClient;
beforeEach(async () => {
  client = await EmulatorClient.start();
});
afterEach(async () => {
  await client.close();
});

const requests = async (): Promise<RequestLogSnapshot> =>
  (await client.control("GET", "/requests")).json as RequestLogSnapshot;

describe("request counting", () => {
  it("counts every kind of request and logs it without credentials", async () => {
    await client.call("GET", "/v2/lm/deployments?scenarioId=churn");
    await client.call("GET", "/v2/lm/deployments/d0churn00001");
    await client.call("POST", PREDICT_PATH, { body: SAP_EXAMPLE_INSTANCE });
    await client.call("POST", PREDICT_PATH, { body: SAP_EXAMPLE_INSTANCE });
    await client.call("PATCH", "/v2/lm/deployments/d0churn00001", { body: { targetStatus: "STOPPED" } });
    await client.call("DELETE", "/v2/lm/deployments/d0churn00001");

    const snapshot = await requests();
    // one token request was made by EmulatorClient.start
    expect(snapshot.byKind).toEqual({ token: 1, list: 1, get: 1, patch: 1, delete: 1, predict: 2, other: 0 });
    expect(snapshot.total).toBe(7);
    const list = snapshot.log.find((entry) => entry.kind === "list");
    expect(list).toMatchObject({
      method: "GET",
      path: "/v2/lm/deployments",
      query: { scenarioId: "churn" },
      status: 200,
    });
    expect(list?.headers["ai-resource-group"]).toBe("default");
    expect(list?.headers.authorization).toBe("Bearer <redacted>");
    expect(JSON.stringify(snapshot)).not.toContain(client.token);
  });

  it("logs the status the client saw, failures included", async () => {
    await client.call("GET", "/v2/lm/deployments", { token: null });
    const snapshot = await requests();
    expect(snapshot.log.at(-1)).toMatchObject({ kind: "list", status: 401 });
  });

  it("does not count control requests and zeroes on reset", async () => {
    await client.control("GET", "/deployments");
    expect((await requests()).total).toBe(1);
    expect((await client.control("POST", "/requests/reset")).status).toBe(204);
    const snapshot = await requests();
    expect(snapshot.total).toBe(0);
    expect(snapshot.log).toEqual([]);
  });

  it("never logs the client secret of a token request", async () => {
    await requestToken(client.url, {
      grant_type: "client_credentials",
      client_id: client.emulator.serviceKey.clientid,
      client_secret: client.emulator.serviceKey.clientsecret,
    });
    expect(JSON.stringify(await requests())).not.toContain(client.emulator.serviceKey.clientsecret);
  });
});

describe("control of deployments", () => {
  it("creates a RUNNING deployment with a URL derived from its id", async () => {
    const created = await client.control("POST", "/deployments", {
      scenarioId: "churn",
      executableId: "churn-serving",
    });
    expect(created.status).toBe(201);
    const deployment = created.json as Record<string, string>;
    expect(deployment.id).toMatch(/^[\w.-]{4,64}$/);
    expect(deployment).toMatchObject({
      status: "RUNNING",
      targetStatus: "RUNNING",
      lastOperation: "CREATE",
      resourceGroup: "default",
      deploymentUrl: `${client.url}/v2/inference/deployments/${deployment.id}`,
    });
    const fetched = await client.call("GET", `/v2/lm/deployments/${deployment.id}`);
    expect(fetched.json).toMatchObject({ id: deployment.id, status: "RUNNING" });
  });

  it("takes given fields as they are", async () => {
    const created = await client.control("POST", "/deployments", {
      id: "dgiven0001",
      scenarioId: "churn",
      executableId: "churn-serving",
      status: "PENDING",
      statusMessage: "Waiting for resources",
      startTime: "2024-05-01T10:00:00Z",
    });
    expect(created.json).toMatchObject({
      id: "dgiven0001",
      status: "PENDING",
      statusMessage: "Waiting for resources",
      startTime: "2024-05-01T10:00:00Z",
    });
  });

  it("rejects a duplicate id, a missing scenario and an unknown resource group", async () => {
    const base = { scenarioId: "churn", executableId: "churn-serving" };
    expect((await client.control("POST", "/deployments", { ...base, id: "d0churn00001" })).status).toBe(409);
    expect((await client.control("POST", "/deployments", { executableId: "x-serving" })).status).toBe(400);
    expect((await client.control("POST", "/deployments", { ...base, resourceGroup: "team-x" })).status).toBe(
      400,
    );
  });

  it("merges fields into a deployment, removing those set to null", async () => {
    const before = (await client.call("GET", "/v2/lm/deployments/d0churn00001")).json as Record<
      string,
      string
    >;
    const patched = await client.control("PATCH", "/deployments/d0churn00001", {
      status: "DEAD",
      statusMessage: "Out of memory",
      completionTime: "2024-05-01T10:00:00Z",
      startTime: null,
    });
    expect(patched.status).toBe(200);
    const after = (await client.call("GET", "/v2/lm/deployments/d0churn00001")).json as Record<
      string,
      string
    >;
    expect(after).toMatchObject({
      status: "DEAD",
      statusMessage: "Out of memory",
      completionTime: "2024-05-01T10:00:00Z",
    });
    expect(after).not.toHaveProperty("startTime");
    expect(Date.parse(after.modifiedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(before.modifiedAt ?? ""));
  });

  it('PATCH {"status":"DEAD"} stamps completionTime (as AI Core does), so the relay can tell when it is deleted', async () => {
    const patched = await client.control("PATCH", "/deployments/d0churn00001", { status: "DEAD" });
    expect(patched.status).toBe(200);
    const after = (await client.call("GET", "/v2/lm/deployments/d0churn00001")).json as Record<
      string,
      string
    >;
    expect(after.status).toBe("DEAD");
    expect(after.completionTime).toBe(after.modifiedAt);
    expect(Number.isNaN(Date.parse(after.completionTime ?? ""))).toBe(false);
    // Patching it again (still DEAD) keeps the time it completed.
    await client.control("PATCH", "/deployments/d0churn00001", { status: "DEAD", statusMessage: "gone" });
    const again = (await client.call("GET", "/v2/lm/deployments/d0churn00001")).json as Record<
      string,
      string
    >;
    expect(again.completionTime).toBe(after.completionTime);
  });

  it("deletes a deployment", async () => {
    expect((await client.control("DELETE", "/deployments/d0churn00001")).status).toBe(204);
    expect((await client.call("GET", "/v2/lm/deployments/d0churn00001")).status).toBe(404);
    expect((await client.control("DELETE", "/deployments/d0churn00001")).status).toBe(404);
  });

  it("adds resource groups", async () => {
    expect((await client.call("GET", "/v2/lm/deployments", { resourceGroup: "team-b" })).status).toBe(403);
    expect((await client.control("POST", "/resource-groups", { id: "team-b" })).status).toBe(201);
    expect((await client.control("POST", "/resource-groups", { id: "team-b" })).status).toBe(200);
    const answer = await client.call("GET", "/v2/lm/deployments", { resourceGroup: "team-b" });
    expect(answer.json).toEqual({ count: 0, resources: [] });
  });

  it("restores the seeded state on reset", async () => {
    await client.control("POST", "/deployments", { scenarioId: "churn", executableId: "churn-serving" });
    await client.control("PATCH", "/deployments/d0churn00001", { status: "DEAD" });
    await client.control("POST", "/resource-groups", { id: "team-b" });
    expect((await client.control("POST", "/reset")).status).toBe(204);
    const list = (await client.call("GET", "/v2/lm/deployments")).json as {
      count: number;
      resources: unknown[];
    };
    expect(list.count).toBe(1);
    expect(list.resources[0]).toMatchObject({ id: "d0churn00001", status: "RUNNING" });
    expect((await client.call("GET", "/v2/lm/deployments", { resourceGroup: "team-b" })).status).toBe(403);
  });

  it("answers 404 for an unknown control endpoint", async () => {
    expect((await client.control("GET", "/nothing")).status).toBe(404);
  });
});
