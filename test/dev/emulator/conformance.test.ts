import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  checkDocumentedRequest,
  type DocumentedRequestInput,
  validateAgainstSchema,
} from "../../support/openapi";
import { type Answer, EmulatorClient } from "./emulatorClient";

// The emulator's answers checked against the official AI Core API description (AI_CORE_API.yaml).

let client: EmulatorClient;
beforeAll(async () => {
  client = await EmulatorClient.start({ patchDelayMs: 60_000, stopDelayMs: 60_000 });
});
afterAll(async () => {
  await client.close();
});
beforeEach(async () => {
  await client.control("POST", "/reset");
  await client.control("POST", "/deployments", {
    id: "dsecond001",
    scenarioId: "churn",
    executableId: "churn-v2",
  });
  await client.control("POST", "/deployments", {
    id: "dfraud0001",
    scenarioId: "fraud",
    executableId: "fraud-serving",
  });
});

/** Error answers follow AiBadRequest / AiNotFound / AiPreconditionFailed: `{"error": AiApiError}`. */
function expectAiApiError(answer: Answer, status: number): void {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toMatch(/^application\/json/);
  const body = answer.json as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(["error"]);
  expect(validateAgainstSchema("AiApiError", body.error)).toEqual([]);
}

describe("deployment list answers are AiDeploymentList", () => {
  it.each([
    "",
    "?scenarioId=churn",
    "?executableIds=churn-serving,churn-v2",
    "?configurationId=c0churn00001",
    "?status=RUNNING",
    "?$top=1",
    "?$top=1&$skip=1",
    "?$skip=10",
    "?$select=status",
    "?scenarioId=churn&executableIds=churn-serving&$top=100&$skip=0",
  ])("GET /v2/lm/deployments%s", async (query) => {
    const answer = await client.call("GET", `/v2/lm/deployments${query}`);
    expect(answer.status).toBe(200);
    expect(validateAgainstSchema("AiDeploymentList", answer.json)).toEqual([]);
  });
});

describe("deployment answers are AiDeploymentResponseWithDetails", () => {
  const getDeployment = async (id: string, query = "") => {
    const answer = await client.call("GET", `/v2/lm/deployments/${id}${query}`);
    expect(answer.status).toBe(200);
    return answer.json;
  };

  it("for the seeded deployment, with and without $select", async () => {
    expect(
      validateAgainstSchema("AiDeploymentResponseWithDetails", await getDeployment("d0churn00001")),
    ).toEqual([]);
    expect(
      validateAgainstSchema(
        "AiDeploymentResponseWithDetails",
        await getDeployment("d0churn00001", "?$select=status"),
      ),
    ).toEqual([]);
  });

  it("for one created through the control API with defaults", async () => {
    expect(
      validateAgainstSchema("AiDeploymentResponseWithDetails", await getDeployment("dsecond001")),
    ).toEqual([]);
  });

  it("through a configuration patch and its completion", async () => {
    await client.call("PATCH", "/v2/lm/deployments/d0churn00001", {
      body: { configurationId: "c0churn00002" },
    });
    expect(
      validateAgainstSchema("AiDeploymentResponseWithDetails", await getDeployment("d0churn00001")),
    ).toEqual([]);
    await client.control("POST", "/transitions/complete");
    expect(
      validateAgainstSchema("AiDeploymentResponseWithDetails", await getDeployment("d0churn00001")),
    ).toEqual([]);
  });

  it("through stopping and stopped", async () => {
    await client.call("PATCH", "/v2/lm/deployments/d0churn00001", { body: { targetStatus: "STOPPED" } });
    expect(
      validateAgainstSchema("AiDeploymentResponseWithDetails", await getDeployment("d0churn00001")),
    ).toEqual([]);
    await client.control("POST", "/transitions/complete");
    const stopped = await getDeployment("d0churn00001");
    expect(stopped).toMatchObject({ status: "STOPPED", targetStatus: "STOPPED" });
    expect(validateAgainstSchema("AiDeploymentResponseWithDetails", stopped)).toEqual([]);
  });
});

describe("modification answers", () => {
  it("PATCH answers AiDeploymentModificationResponse, for both kinds of patch", async () => {
    const reconfigured = await client.call("PATCH", "/v2/lm/deployments/d0churn00001", {
      body: { configurationId: "c0churn00002" },
    });
    expect(reconfigured.status).toBe(202);
    expect(validateAgainstSchema("AiDeploymentModificationResponse", reconfigured.json)).toEqual([]);
    const stopped = await client.call("PATCH", "/v2/lm/deployments/dsecond001", {
      body: { targetStatus: "STOPPED" },
    });
    expect(stopped.status).toBe(202);
    expect(validateAgainstSchema("AiDeploymentModificationResponse", stopped.json)).toEqual([]);
  });

  it("the PATCH bodies the emulator accepts are AiDeploymentModificationRequest", () => {
    expect(validateAgainstSchema("AiDeploymentModificationRequest", { targetStatus: "STOPPED" })).toEqual([]);
    expect(
      validateAgainstSchema("AiDeploymentModificationRequest", { configurationId: "c0churn00002" }),
    ).toEqual([]);
    expect(validateAgainstSchema("AiDeploymentModificationRequest", { targetStatus: "RUNNING" })).not.toEqual(
      [],
    );
  });

  it("DELETE answers AiDeploymentDeletionResponse", async () => {
    await client.control("PATCH", "/deployments/dsecond001", { status: "STOPPED", targetStatus: "STOPPED" });
    const answer = await client.call("DELETE", "/v2/lm/deployments/dsecond001");
    expect(answer.status).toBe(202);
    expect(validateAgainstSchema("AiDeploymentDeletionResponse", answer.json)).toEqual([]);
  });
});

describe("error answers are AiApiError", () => {
  it.each([
    ["no token", "GET", "/v2/lm/deployments", { token: null }, 401],
    ["no resource group", "GET", "/v2/lm/deployments", { resourceGroup: null }, 400],
    ["unknown resource group", "GET", "/v2/lm/deployments", { resourceGroup: "nosuchgroup" }, 403],
    ["undocumented parameter", "GET", "/v2/lm/deployments?foo=1", {}, 400],
    ["unknown deployment", "GET", "/v2/lm/deployments/dmissing01", {}, 404],
    ["bad patch", "PATCH", "/v2/lm/deployments/d0churn00001", { body: { targetStatus: "DELETED" } }, 400],
    ["delete while running", "DELETE", "/v2/lm/deployments/d0churn00001", {}, 412],
    ["unsupported method", "PUT", "/v2/lm/deployments/d0churn00001", {}, 405],
    ["unknown path", "GET", "/v2/lm/nothing", {}, 404],
  ] as const)("%s", async (_label, method, path, options, status) => {
    expectAiApiError(await client.call(method, path, options), status);
  });

  it("patching the configuration of a stopped deployment (412)", async () => {
    await client.control("PATCH", "/deployments/dsecond001", { status: "STOPPED", targetStatus: "STOPPED" });
    const answer = await client.call("PATCH", "/v2/lm/deployments/dsecond001", {
      body: { configurationId: "c0churn00002" },
    });
    expectAiApiError(answer, 412);
  });
});

describe("the request log", () => {
  it("holds entries that checkDocumentedRequest takes as they are", async () => {
    await client.control("POST", "/requests/reset");
    await client.call("GET", "/v2/lm/deployments?scenarioId=churn&executableIds=churn-serving&$top=10");
    await client.call("GET", "/v2/lm/deployments/d0churn00001");
    await client.call("PATCH", "/v2/lm/deployments/d0churn00001", { body: { targetStatus: "STOPPED" } });
    const { log } = (await client.control("GET", "/requests")).json as { log: DocumentedRequestInput[] };
    expect(log).toHaveLength(3);
    expect(log.flatMap((entry) => checkDocumentedRequest(entry))).toEqual([]);
    const [first] = log as [DocumentedRequestInput];
    const { "ai-resource-group": _dropped, ...withoutGroup } = first.headers ?? {};
    expect(checkDocumentedRequest({ ...first, headers: withoutGroup })).toHaveLength(1);
  });
});

describe("query parameters: the emulator and the spec agree", () => {
  it.each([
    ["?scenarioId=churn", true],
    ["?executableIds=churn-serving,churn-v2&configurationId=c0churn00001", true],
    ["?status=STOPPED&$top=5&$skip=2&$select=status", true],
    ["?executableId=churn-serving", false],
    ["?top=5", false],
    ["?$top=100001", false],
    ["?status=ACTIVE", false],
    ["?$select=id", false],
    ["?scenarioId=ch", false],
  ])("GET /v2/lm/deployments%s documented: %s", async (query, documented) => {
    const path = `/v2/lm/deployments${query}`;
    expect(
      checkDocumentedRequest({ method: "GET", path, headers: { "ai-resource-group": "default" } }),
    ).toHaveLength(documented ? 0 : 1);
    expect((await client.call("GET", path)).status).toBe(documented ? 200 : 400);
  });
});
