import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EmulatorClient, PREDICT_PATH, SAP_EXAMPLE_INSTANCE } from "./emulatorClient";

type Deployment = Record<string, unknown>;
type List = { count: number; resources: Deployment[] };

let client: EmulatorClient;
beforeEach(async () => {
  client = await EmulatorClient.start({ patchDelayMs: 60_000, stopDelayMs: 0 });
});
afterEach(async () => {
  await client.close();
});

async function addDeployments(count: number, fields: Deployment = {}): Promise<void> {
  for (let index = 0; index < count; index++) {
    const answer = await client.control("POST", "/deployments", {
      id: `dextra${String(index).padStart(4, "0")}`,
      scenarioId: "churn",
      executableId: index % 2 === 0 ? "churn-serving" : "churn-serving-v2",
      ...fields,
    });
    expect(answer.status).toBe(201);
  }
}

const list = async (query = ""): Promise<List> => {
  const answer = await client.call("GET", `/v2/lm/deployments${query}`);
  expect(answer.status).toBe(200);
  return answer.json as List;
};

const get = async (id = "d0churn00001"): Promise<Deployment> => {
  const answer = await client.call("GET", `/v2/lm/deployments/${id}`);
  expect(answer.status).toBe(200);
  return answer.json as Deployment;
};

describe("access checks", () => {
  it("answers 401 without a bearer token", async () => {
    const answer = await client.call("GET", "/v2/lm/deployments", { token: null });
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ error: { code: "Unauthorized" } });
  });

  it("answers 400 without the AI-Resource-Group header", async () => {
    const answer = await client.call("GET", "/v2/lm/deployments", { resourceGroup: null });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { message: expect.stringContaining("AI-Resource-Group") } });
  });

  it("answers 403 for a resource group the tenant does not have", async () => {
    const answer = await client.call("GET", "/v2/lm/deployments", { resourceGroup: "nosuchgroup" });
    expect(answer.status).toBe(403);
  });

  it("checks the token before the resource group", async () => {
    expect(
      (await client.call("GET", "/v2/lm/deployments", { token: null, resourceGroup: null })).status,
    ).toBe(401);
  });
});

describe("GET /v2/lm/deployments", () => {
  it("lists the seeded churn deployment", async () => {
    const answer = await list();
    expect(answer.count).toBe(1);
    expect(answer.resources[0]).toMatchObject({
      id: "d0churn00001",
      scenarioId: "churn",
      executableId: "churn-serving",
      status: "RUNNING",
      targetStatus: "RUNNING",
      lastOperation: "CREATE",
      deploymentUrl: `${client.url}/v2/inference/deployments/d0churn00001`,
    });
  });

  it("filters by scenarioId, executableIds, configurationId and status", async () => {
    await addDeployments(4);
    await client.control("POST", "/deployments", {
      id: "dother0001",
      scenarioId: "fraud",
      executableId: "fraud-serving",
    });
    await client.control("PATCH", "/deployments/dextra0000", { status: "DEAD" });

    expect((await list("?scenarioId=fraud")).resources.map((d) => d.id)).toEqual(["dother0001"]);
    expect((await list("?scenarioId=churn")).count).toBe(5);
    expect((await list("?executableIds=churn-serving-v2")).resources.map((d) => d.id)).toEqual([
      "dextra0001",
      "dextra0003",
    ]);
    expect((await list("?executableIds=churn-serving-v2,fraud-serving")).count).toBe(3);
    expect((await list("?configurationId=c0churn00001")).resources.map((d) => d.id)).toEqual([
      "d0churn00001",
    ]);
    expect((await list("?status=DEAD")).resources.map((d) => d.id)).toEqual(["dextra0000"]);
    expect((await list("?scenarioId=churn&status=RUNNING")).count).toBe(4);
  });

  it("pages with $top and $skip while count stays the number of matches", async () => {
    await addDeployments(6);
    const first = await list("?$top=3");
    const second = await list("?$top=3&$skip=3");
    const rest = await list("?$top=3&$skip=6");
    expect([first.count, second.count, rest.count]).toEqual([7, 7, 7]);
    expect([first.resources.length, second.resources.length, rest.resources.length]).toEqual([3, 3, 1]);
    const ids = [...first.resources, ...second.resources, ...rest.resources].map((d) => d.id);
    expect(new Set(ids).size).toBe(7);
    expect((await list("?$skip=50")).resources).toEqual([]);
  });

  it("selects only the status (and the fields the schema requires) with $select=status", async () => {
    const answer = await list("?$select=status");
    expect(Object.keys(answer.resources[0] ?? {}).sort()).toEqual(
      ["configurationId", "createdAt", "id", "modifiedAt", "status"].sort(),
    );
  });

  it.each([
    ["an undocumented parameter", "?scenario=churn"],
    ["a repeated parameter", "?scenarioId=churn&scenarioId=fraud"],
    ["a $top over the maximum", "?$top=100001"],
    ["a negative $skip", "?$skip=-1"],
    ["a status outside the enum", "?status=ALIVE"],
    ["an id that breaks the pattern", "?scenarioId=a/b"],
    ["a $select other than status", "?$select=id"],
  ])("answers 400 for %s", async (_label, query) => {
    const answer = await client.call("GET", `/v2/lm/deployments${query}`);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ error: { code: "BadRequest" } });
  });

  it("shows only the deployments of the caller's resource group", async () => {
    await client.control("POST", "/resource-groups", { id: "team-b" });
    await client.control("POST", "/deployments", {
      id: "dteamb0001",
      scenarioId: "churn",
      executableId: "churn-serving",
      resourceGroup: "team-b",
    });
    const teamB = (await client.call("GET", "/v2/lm/deployments", { resourceGroup: "team-b" })).json as List;
    expect(teamB.resources.map((d) => d.id)).toEqual(["dteamb0001"]);
    expect((await list()).resources.map((d) => d.id)).toEqual(["d0churn00001"]);
  });
});

describe("GET /v2/lm/deployments/{id}", () => {
  it("answers the deployment", async () => {
    expect(await get()).toMatchObject({
      id: "d0churn00001",
      configurationId: "c0churn00001",
      status: "RUNNING",
    });
  });

  it("answers 404 for an unknown id and for one in another resource group", async () => {
    expect((await client.call("GET", "/v2/lm/deployments/dmissing01")).status).toBe(404);
    await client.control("POST", "/resource-groups", { id: "team-b" });
    expect(
      (await client.call("GET", "/v2/lm/deployments/d0churn00001", { resourceGroup: "team-b" })).status,
    ).toBe(404);
  });

  it("answers 400 for an id that breaks the documented pattern", async () => {
    expect((await client.call("GET", "/v2/lm/deployments/abc")).status).toBe(400);
  });
});

describe("PATCH /v2/lm/deployments/{id} with a configuration", () => {
  it("goes PENDING with lastOperation UPDATE, keeps serving, then runs the new configuration", async () => {
    const answer = await client.call("PATCH", "/v2/lm/deployments/d0churn00001", {
      body: { configurationId: "c0churn00002" },
    });
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ id: "d0churn00001", message: "Deployment modification scheduled" });

    const pending = await get();
    expect(pending).toMatchObject({
      status: "PENDING",
      lastOperation: "UPDATE",
      configurationId: "c0churn00002",
      latestRunningConfigurationId: "c0churn00001",
      deploymentUrl: `${client.url}/v2/inference/deployments/d0churn00001`,
    });
    expect((await client.call("POST", PREDICT_PATH, { body: SAP_EXAMPLE_INSTANCE })).status).toBe(200);

    expect((await client.control("POST", "/transitions/complete")).json).toEqual({ completed: 1 });
    expect(await get()).toMatchObject({
      status: "RUNNING",
      configurationId: "c0churn00002",
      lastOperation: "UPDATE",
    });
  });

  it("becomes RUNNING by itself after patchDelayMs", async () => {
    const quick = await EmulatorClient.start({ patchDelayMs: 30 });
    try {
      await quick.call("PATCH", "/v2/lm/deployments/d0churn00001", {
        body: { configurationId: "c0churn00002" },
      });
      await vi.waitFor(async () => {
        const answer = await quick.call("GET", "/v2/lm/deployments/d0churn00001");
        expect(answer.json).toMatchObject({ status: "RUNNING", configurationId: "c0churn00002" });
      });
    } finally {
      await quick.close();
    }
  });

  it("answers 412 for a stopped deployment", async () => {
    await client.control("PATCH", "/deployments/d0churn00001", {
      status: "STOPPED",
      targetStatus: "STOPPED",
    });
    const answer = await client.call("PATCH", "/v2/lm/deployments/d0churn00001", {
      body: { configurationId: "c0churn00002" },
    });
    expect(answer.status).toBe(412);
    expect(answer.json).toMatchObject({ error: { code: "PreconditionFailed" } });
  });

  it.each([
    ["not JSON", "{"],
    ["an unknown property", { configurationId: "c0churn00002", foo: 1 }],
    ["both properties", { configurationId: "c0churn00002", targetStatus: "STOPPED" }],
    ["neither property", {}],
    ["a target status other than STOPPED", { targetStatus: "RUNNING" }],
    ["a bad configuration id", { configurationId: "c!" }],
  ])("answers 400 for a body with %s", async (_label, body) => {
    const answer = await client.call("PATCH", "/v2/lm/deployments/d0churn00001", { body });
    expect(answer.status).toBe(400);
    expect((await get()).status).toBe("RUNNING");
  });
});

describe("PATCH /v2/lm/deployments/{id} to stop", () => {
  it("stops the deployment, keeps its URL, and its inference URL answers 404", async () => {
    const answer = await client.call("PATCH", "/v2/lm/deployments/d0churn00001", {
      body: { targetStatus: "STOPPED" },
    });
    expect(answer.status).toBe(202);
    const stopped = await get();
    expect(stopped).toMatchObject({
      status: "STOPPED",
      targetStatus: "STOPPED",
      deploymentUrl: `${client.url}/v2/inference/deployments/d0churn00001`,
    });
    expect(typeof stopped.completionTime).toBe("string");
    expect((await client.call("POST", PREDICT_PATH, { body: SAP_EXAMPLE_INSTANCE })).status).toBe(404);
  });

  it("is STOPPING (inference 503) until the stop completes when stopping takes time", async () => {
    const slow = await EmulatorClient.start({ stopDelayMs: 60_000 });
    try {
      await slow.call("PATCH", "/v2/lm/deployments/d0churn00001", { body: { targetStatus: "STOPPED" } });
      expect((await slow.call("GET", "/v2/lm/deployments/d0churn00001")).json).toMatchObject({
        status: "STOPPING",
      });
      expect((await slow.call("POST", PREDICT_PATH, { body: SAP_EXAMPLE_INSTANCE })).status).toBe(503);
      await slow.control("POST", "/transitions/complete");
      expect((await slow.call("GET", "/v2/lm/deployments/d0churn00001")).json).toMatchObject({
        status: "STOPPED",
      });
    } finally {
      await slow.close();
    }
  });
});

describe("DELETE /v2/lm/deployments/{id}", () => {
  it("answers 412 for a running deployment", async () => {
    const answer = await client.call("DELETE", "/v2/lm/deployments/d0churn00001");
    expect(answer.status).toBe(412);
    expect((await list()).count).toBe(1);
  });

  it("deletes a stopped deployment: gone from get, list and inference", async () => {
    await client.call("PATCH", "/v2/lm/deployments/d0churn00001", { body: { targetStatus: "STOPPED" } });
    const answer = await client.call("DELETE", "/v2/lm/deployments/d0churn00001");
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({
      id: "d0churn00001",
      message: "Deletion scheduled",
      targetStatus: "DELETED",
    });
    expect((await client.call("GET", "/v2/lm/deployments/d0churn00001")).status).toBe(404);
    expect((await list()).count).toBe(0);
    expect((await client.call("POST", PREDICT_PATH, { body: SAP_EXAMPLE_INSTANCE })).status).toBe(404);
  });
});

describe("operations the emulator does not implement", () => {
  it("answers 405 with an AiApiError", async () => {
    const answer = await client.call("POST", "/v2/lm/deployments", {
      body: { configurationId: "c0churn00001" },
    });
    expect(answer.status).toBe(405);
    expect(answer.json).toMatchObject({ error: { code: "MethodNotAllowed" } });
  });
});
