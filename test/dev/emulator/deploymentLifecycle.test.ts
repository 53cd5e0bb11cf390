import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmulatorClient, fetchToken } from "./emulatorClient";

/**
 * The deployment lifecycle the relay must cope with, as AI Core runs it: a new deployment starts without a URL,
 * deletion is scheduled, a configuration change can fail, and a token can stop working before it expires.
 * Long delays and `/__emulator/transitions/complete` step through the states without sleeping.
 */

type Deployment = Record<string, unknown>;

let client: EmulatorClient;
beforeEach(async () => {
  client = await EmulatorClient.start({ startDelayMs: 60_000, patchDelayMs: 60_000, deleteDelayMs: 60_000 });
});
afterEach(async () => {
  await client.close();
});

const get = async (id: string): Promise<Deployment> => {
  const answer = await client.call("GET", `/v2/lm/deployments/${id}`);
  expect(answer.status).toBe(200);
  return answer.json as Deployment;
};
const completeTransitions = () => client.control("POST", "/transitions/complete");
const create = async (fields: Deployment) => {
  const answer = await client.control("POST", "/deployments", {
    scenarioId: "churn",
    executableId: "churn-serving",
    ...fields,
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.json as Deployment;
};

describe("a deployment created without a status", () => {
  it("is UNKNOWN, then PENDING, both without a URL, then RUNNING with its URL and running configuration", async () => {
    await create({ id: "dnew0001", configurationId: "cnew0001" });
    expect(await get("dnew0001")).toMatchObject({
      status: "UNKNOWN",
      targetStatus: "RUNNING",
      deploymentUrl: "",
    });
    await completeTransitions();
    expect(await get("dnew0001")).toMatchObject({ status: "PENDING", deploymentUrl: "" });
    await completeTransitions();
    const running = await get("dnew0001");
    expect(running).toMatchObject({
      status: "RUNNING",
      deploymentUrl: `${client.emulator.url}/v2/inference/deployments/dnew0001`,
      latestRunningConfigurationId: "cnew0001",
    });
    expect(running.startTime).toEqual(expect.any(String));
  });

  it("turns RUNNING by itself after the configured start delay", async () => {
    const quick = await EmulatorClient.start({ startDelayMs: 100 });
    try {
      await quick.control("POST", "/deployments", {
        id: "dquick01",
        scenarioId: "churn",
        executableId: "churn-serving",
      });
      const seen = new Set<string>();
      for (;;) {
        const { status } = (await quick.call("GET", "/v2/lm/deployments/dquick01")).json as {
          status: string;
        };
        seen.add(status);
        if (status === "RUNNING") break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(seen.has("UNKNOWN") || seen.has("PENDING")).toBe(true);
    } finally {
      await quick.close();
    }
  });

  it("ends DEAD, never having had a URL, when its configuration cannot start; completionTime is set", async () => {
    const failing = await client.control("POST", "/configurations", {
      id: "cbroken01",
      failure: "Image pull failed",
    });
    expect(failing.status).toBe(201);
    await create({ id: "dbroken1", configurationId: "cbroken01" });
    await completeTransitions();
    await completeTransitions();
    const dead = await get("dbroken1");
    expect(dead).toMatchObject({ status: "DEAD", statusMessage: "Image pull failed", deploymentUrl: "" });
    expect(dead.completionTime).toEqual(expect.any(String));
  });
});

describe("PATCH with a configuration", () => {
  it("refuses a configuration the resource group does not have (404)", async () => {
    const answer = await client.call("PATCH", "/v2/lm/deployments/d0churn00001", {
      body: { configurationId: "cmissing1" },
    });
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ error: { message: expect.stringContaining("cmissing1") } });
    expect(await get("d0churn00001")).toMatchObject({ status: "RUNNING", configurationId: "c0churn00001" });
  });

  it("moves latestRunningConfigurationId to the new configuration once it runs", async () => {
    await client.call("PATCH", "/v2/lm/deployments/d0churn00001", {
      body: { configurationId: "c0churn00002" },
    });
    expect(await get("d0churn00001")).toMatchObject({
      status: "PENDING",
      lastOperation: "UPDATE",
      latestRunningConfigurationId: "c0churn00001",
    });
    await completeTransitions();
    expect(await get("d0churn00001")).toMatchObject({
      status: "RUNNING",
      latestRunningConfigurationId: "c0churn00002",
    });
  });

  it("may end DEAD, with completionTime, keeping the configuration that last ran", async () => {
    await client.control("POST", "/configurations", {
      id: "cbroken02",
      failure: "Container crashed at start",
    });
    const patched = await client.call("PATCH", "/v2/lm/deployments/d0churn00001", {
      body: { configurationId: "cbroken02" },
    });
    expect(patched.status).toBe(202);
    await completeTransitions();
    const dead = await get("d0churn00001");
    expect(dead).toMatchObject({
      status: "DEAD",
      statusMessage: "Container crashed at start",
      configurationId: "cbroken02",
      latestRunningConfigurationId: "c0churn00001",
    });
    expect(dead.completionTime).toEqual(expect.any(String));
  });
});

describe("STOPPED and DELETE", () => {
  it("stamps completionTime on a move to STOPPED, through the AI API or the control API", async () => {
    await client.call("PATCH", "/v2/lm/deployments/d0churn00001", { body: { targetStatus: "STOPPED" } });
    expect((await get("d0churn00001")).completionTime).toEqual(expect.any(String));
    await create({ id: "dstop0001", status: "RUNNING" });
    const stopped = await client.control("PATCH", "/deployments/dstop0001", { status: "STOPPED" });
    expect((stopped.json as Deployment).completionTime).toEqual(expect.any(String));
  });

  it("answers Deletion scheduled; the deployment stays listed with targetStatus DELETED, then is gone", async () => {
    await client.call("PATCH", "/v2/lm/deployments/d0churn00001", { body: { targetStatus: "STOPPED" } });
    const answer = await client.call("DELETE", "/v2/lm/deployments/d0churn00001");
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({
      id: "d0churn00001",
      message: "Deletion scheduled",
      targetStatus: "DELETED",
    });
    const listed = (await client.call("GET", "/v2/lm/deployments")).json as { resources: Deployment[] };
    expect(listed.resources).toEqual([
      expect.objectContaining({ id: "d0churn00001", status: "STOPPED", targetStatus: "DELETED" }),
    ]);
    await completeTransitions();
    expect((await client.call("GET", "/v2/lm/deployments/d0churn00001")).status).toBe(404);
  });
});

describe("GET /v2/lm/deployments/$count", () => {
  it("answers the number of matches as text/plain, with the list's filters", async () => {
    await create({ id: "dcount01", status: "RUNNING", scenarioId: "other" });
    const all = await client.call("GET", "/v2/lm/deployments/$count");
    expect(all.status).toBe(200);
    expect(all.contentType).toMatch(/^text\/plain/);
    expect(all.text).toBe("2");
    expect((await client.call("GET", "/v2/lm/deployments/$count?scenarioId=churn")).text).toBe("1");
    expect((await client.call("GET", "/v2/lm/deployments/$count?$top=1")).status).toBe(400);
    expect((await client.call("GET", "/v2/lm/deployments/$count", { token: null })).status).toBe(401);
  });
});

describe("token revocation (a fault of the token service)", () => {
  it("answers 401 to a token that has not expired once tokens are revoked; a new token works", async () => {
    expect((await client.call("GET", "/v2/lm/deployments")).status).toBe(200);
    expect((await client.control("POST", "/tokens/revoke")).status).toBe(204);
    const refused = await client.call("GET", "/v2/lm/deployments");
    expect(refused.status).toBe(401);
    const fresh = await fetchToken(client.emulator);
    expect((await client.call("GET", "/v2/lm/deployments", { token: fresh })).status).toBe(200);
  });
});
