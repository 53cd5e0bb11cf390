import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/config/catalog";
import { checkDocumentedRequest } from "../support/openapi";
import { createHarness } from "../support/relayHarness";
import { CHURN_EXAMPLE as EXAMPLE, shippedCatalogJson, useAzuriteAndEmulator } from "../support/world";

// The shipped churn model, plus one without input checks so the model server's own errors can be provoked.
const shipped = shippedCatalogJson();
const catalog = parseCatalog(
  {
    models: {
      churn: shipped.models.churn,
      "churn-unchecked": {
        scenarioId: "churn",
        executableId: "churn-serving",
        predictPath: "/v1/models/churn:predict",
        input: { type: "object" },
      },
    },
  },
  "default",
);

const world = useAzuriteAndEmulator();
let h: ReturnType<typeof createHarness>;
let seededId: string;

beforeAll(async () => {
  h = createHarness({
    serviceKey: world.emulator.serviceKey,
    storageConnectionString: world.azurite.connectionString,
    catalog,
  });
  await h.refresh();
  seededId = (h.relay.records.peek("churn")?.deploymentId as string) ?? "";
});

beforeEach(async () => {
  await world.emulator.control.reset();
  await h.refresh();
});

describe("POST /api/models/{model}/predict against the emulator", () => {
  it("returns the model's prediction for SAP's churn example, naming the deployment", async () => {
    const answer = await h.predict("churn", EXAMPLE);
    expect(answer.status).toBe(200);
    expect(answer.headers["Content-Type"]).toMatch(/^application\/json/);
    expect(answer.headers["AI-Core-Deployment-Id"]).toBe(seededId);
    const body = answer.json() as { churn_probability: number; churn: number };
    expect(body.churn_probability).toBeGreaterThan(0);
    expect(body.churn_probability).toBeLessThan(1);
    expect(body.churn).toBe(body.churn_probability >= 0.5 ? 1 : 0);
  });

  it("a token revoked before its expiry (401) is fetched again once and the prediction is sent again", async () => {
    await h.predict("churn", EXAMPLE); // warm: token cached
    await world.emulator.control.resetRequests();
    await world.emulator.control.revokeTokens();
    const answer = await h.predict("churn", EXAMPLE);
    expect(answer.status).toBe(200);
    const counted = await world.emulator.control.requests();
    expect(counted.byKind.token).toBe(1);
    expect(counted.byKind.predict).toBe(2);
  });

  it("in steady state makes exactly one upstream call per prediction (200 predictions)", async () => {
    await h.predict("churn", EXAMPLE); // warm: token fetched, record cached
    await world.emulator.control.resetRequests();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => h.predict("churn", { ...EXAMPLE, tenure: i % 72 })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const counted = await world.emulator.control.requests();
    expect(counted.total).toBe(200);
    expect(counted.byKind.predict).toBe(200);
    expect(counted.byKind.token).toBe(0);
    expect(counted.byKind.list + counted.byKind.get).toBe(0);
  });

  it("answers 503 with Retry-After and the deployment's status once it turned DEAD and was refreshed", async () => {
    await world.emulator.control.patchDeployment(seededId, {
      status: "DEAD",
      statusMessage: "Back-off restarting failed container",
      completionTime: new Date().toISOString(),
    });
    await h.refresh();
    const answer = await h.predict("churn", EXAMPLE);
    expect(answer.status).toBe(503);
    expect(answer.headers["Content-Type"]).toBe("application/problem+json");
    expect(Number(answer.headers["Retry-After"])).toBeGreaterThan(0);
    const problem = answer.json() as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 503, deploymentId: seededId, deploymentStatus: "DEAD" });
    expect(String(problem.detail)).toContain("DEAD");
    expect(String(problem.detail)).toContain("Back-off restarting failed container");
    const listed = (await h.deployments()).json() as { models: Record<string, Record<string, unknown>> };
    expect(listed.models.churn).toMatchObject({ status: "DEAD", usable: false });
    expect(listed.models.churn?.deletesAt).toEqual(expect.any(String));
  });

  it("uses a new RUNNING deployment with a new URL after the next refresh", async () => {
    const added = (await world.emulator.control.addDeployment({
      id: "d0churn00002",
      scenarioId: "churn",
      executableId: "churn-serving",
      status: "RUNNING",
      startTime: new Date(Date.now() + 1000).toISOString(),
    })) as { id: string; deploymentUrl: string };
    expect((await h.predict("churn", EXAMPLE)).headers["AI-Core-Deployment-Id"]).toBe(seededId);
    await h.refresh();
    const answer = await h.predict("churn", EXAMPLE);
    expect(answer.status).toBe(200);
    expect(answer.headers["AI-Core-Deployment-Id"]).toBe(added.id);
    const log = (await world.emulator.control.requests()).log.filter(
      (r) => r.method === "POST" && r.path.includes("/inference/"),
    );
    expect(log.at(-1)?.path).toContain(`/v2/inference/deployments/${added.id}/v1/models/churn:predict`);
  });

  it("keeps serving during a configuration patch (PENDING + UPDATE)", async () => {
    await world.emulator.control.patchDeployment(seededId, { status: "PENDING", lastOperation: "UPDATE" });
    await h.refresh();
    const answer = await h.predict("churn", EXAMPLE);
    expect(answer.status).toBe(200);
    expect(answer.headers["AI-Core-Deployment-Id"]).toBe(seededId);
  });

  it("never sends to a STOPPED deployment although it keeps its URL", async () => {
    await world.emulator.control.patchDeployment(seededId, { status: "STOPPED", targetStatus: "STOPPED" });
    await h.refresh();
    await world.emulator.control.resetRequests();
    const answer = await h.predict("churn", EXAMPLE);
    expect(answer.status).toBe(503);
    expect((await world.emulator.control.requests()).byKind.predict).toBe(0);
  });

  it("a deployment gone from AI Core (404 at its URL) is replaced at once by the one AI Core now lists", async () => {
    await world.emulator.control.addDeployment({
      id: "d0churn00003",
      scenarioId: "churn",
      executableId: "churn-serving",
      status: "RUNNING",
      startTime: new Date(Date.now() - 60_000).toISOString(),
    });
    await world.emulator.control.deleteDeployment(seededId);
    const answer = await h.predict("churn", EXAMPLE); // record still names the deleted one
    expect(answer.status).toBe(200);
    expect(answer.headers["AI-Core-Deployment-Id"]).toBe("d0churn00003");
    expect(h.logs.some((line) => line.includes(`deployment ${seededId} answered 404`))).toBe(true);
  });

  it("answers a batch of 100 as predictions in order, and refuses 101", async () => {
    const instances = Array.from({ length: 100 }, (_, i) => ({ ...EXAMPLE, tenure: i }));
    const answer = await h.predict("churn", { instances });
    expect(answer.status).toBe(200);
    const { predictions } = answer.json() as { predictions: Array<{ churn_probability: number }> };
    expect(predictions).toHaveLength(100);
    const single = (await h.predict("churn", instances[42])).json() as { churn_probability: number };
    expect(predictions[42]?.churn_probability).toBe(single.churn_probability);
    const refused = await h.predict("churn", { instances: [...instances, EXAMPLE] });
    expect(refused.status).toBe(400);
    expect(refused.headers["Content-Type"]).toBe("application/problem+json");
  });
});

describe("every error status is produced by a real request", () => {
  const problemOf = (answer: { headers: Record<string, string>; json: () => unknown }) => {
    expect(answer.headers["Content-Type"]).toBe("application/problem+json");
    return answer.json() as {
      type: string;
      title: string;
      status: number;
      detail: string;
      errors?: unknown[];
    };
  };

  it("400: the body is not JSON", async () => {
    const p = problemOf(await h.predict("churn", "{region: 3"));
    expect(p.status).toBe(400);
    expect(p.detail).toMatch(/not valid JSON/);
  });

  it("404: unknown model", async () => {
    const p = problemOf(await h.predict("fraud", EXAMPLE));
    expect(p.status).toBe(404);
    expect(p.detail).toContain("fraud");
  });

  it("405: wrong method, with Allow", async () => {
    const answer = await h.predict("churn", "", { method: "GET" });
    expect(problemOf(answer).status).toBe(405);
    expect(answer.headers.Allow).toBe("POST");
  });

  it("413: body over MAX_BODY_BYTES", async () => {
    const big = JSON.stringify({ ...EXAMPLE, padding: "x".repeat(1024 * 1024) });
    expect(problemOf(await h.predict("churn", big)).status).toBe(413);
  });

  it("415: content type is not JSON", async () => {
    const answer = await h.predict("churn", JSON.stringify(EXAMPLE), {
      headers: { "content-type": "text/plain" },
    });
    expect(problemOf(answer).status).toBe(415);
  });

  it("422: every schema violation with its pointer", async () => {
    const answer = await h.predict("churn", {
      instances: [
        { ...EXAMPLE, tenure: "long" },
        { ...EXAMPLE, region: 0 },
      ],
    });
    const p = problemOf(answer);
    expect(p.status).toBe(422);
    expect(p.errors).toEqual([
      { pointer: "/instances/0/tenure", message: expect.any(String) },
      { pointer: "/instances/1/region", message: expect.any(String) },
    ]);
  });

  it("502: the model server answered an error (status and excerpt, no token)", async () => {
    const answer = await h.predict("churn-unchecked", { region: 3 });
    const p = problemOf(answer) as unknown as Record<string, unknown>;
    expect(p.status).toBe(502);
    expect(p.upstreamStatus).toBe(400);
    expect(String(p.upstreamBody).length).toBeGreaterThan(0);
    expect(answer.text).not.toMatch(/Bearer|eyJ/);
  });
});

describe("AI Core conformance of the relay's own requests", () => {
  it("uses only documented paths, parameters and headers", async () => {
    await world.emulator.control.resetRequests();
    await h.refresh();
    await h.predict("churn", EXAMPLE);
    const { log } = await world.emulator.control.requests();
    const management = log.filter((r) => r.path.startsWith("/v2/lm/"));
    expect(management.length).toBeGreaterThan(0);
    for (const request of management) {
      const pathOnly = request.path.split("?")[0] ?? "";
      // The spec's paths are relative to its server URL, which ends in /v2.
      expect(checkDocumentedRequest({ ...request, path: pathOnly })).toEqual([]);
    }
    const inference = log.filter((r) => r.path.startsWith("/v2/inference/"));
    expect(inference.every((r) => r.headers["ai-resource-group"] === "default")).toBe(true);
  });
});
