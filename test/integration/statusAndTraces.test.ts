import { randomBytes } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/config/catalog";
import type { RelayStatus } from "../../src/relay/relayStatus";
import { createHarness } from "../support/relayHarness";
import { CHURN_EXAMPLE, shippedCatalogJson, useAzuriteAndEmulator } from "../support/world";

const CRM_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const catalog = parseCatalog(shippedCatalogJson(), "default");
const world = useAzuriteAndEmulator();
let h: ReturnType<typeof createHarness>;

beforeAll(() => {
  h = createHarness({
    serviceKey: world.emulator.serviceKey,
    storageConnectionString: world.azurite.connectionString,
    catalog,
    env: { CRM_WEBHOOK_SECRET: CRM_SECRET },
    predictPolicy: { baseDelayMs: 1, maxDelayMs: 2 },
  });
});

beforeEach(async () => {
  await world.emulator.control.reset();
});

const traceId = () => randomBytes(16).toString("hex");
const traceparentOf = (id: string) => `00-${id}-${randomBytes(8).toString("hex")}-01`;

async function upstreamRequests(kind: string) {
  return (await world.emulator.control.requests()).log.filter((entry) => entry.kind === kind);
}

async function status(): Promise<RelayStatus> {
  const answer = await h.status();
  expect(answer.status).toBe(200);
  expect(answer.text).not.toContain(CRM_SECRET);
  return answer.json() as RelayStatus;
}

describe("traces that cross into AI Core", () => {
  it("a trace id sent in is seen by AI Core on the live lookup and by the model server on the predict call", async () => {
    const id = traceId();
    const answer = await h.predict("churn", CHURN_EXAMPLE, {
      headers: { "content-type": "application/json", traceparent: traceparentOf(id), tracestate: "vendor=1" },
    });
    expect(answer.status).toBe(200);
    // No record yet: the deployment was looked up live, in the request's trace.
    const [list] = await upstreamRequests("list");
    expect(list?.headers.traceparent).toMatch(new RegExp(`^00-${id}-[0-9a-f]{16}-01$`));
    const [predict] = await upstreamRequests("predict");
    expect(predict?.headers.traceparent).toMatch(new RegExp(`^00-${id}-[0-9a-f]{16}-01$`));
    expect(predict?.headers.tracestate).toBe("vendor=1");
  });

  it("each call of a batch carries the trace, and each prediction is logged with model, deployment, upstream status, attempts and duration (at debug level: a 2xx at the first attempt)", async () => {
    await h.refresh();
    const id = traceId();
    const answer = await h.predict(
      "churn",
      { instances: [CHURN_EXAMPLE, CHURN_EXAMPLE, CHURN_EXAMPLE] },
      { headers: { "content-type": "application/json", traceparent: traceparentOf(id) } },
    );
    expect(answer.status).toBe(200);
    const calls = await upstreamRequests("predict");
    expect(calls).toHaveLength(3);
    for (const call of calls) expect(call.headers.traceparent).toContain(`-${id}-`);
    const deployment = answer.headers["AI-Core-Deployment-Id"];
    const lines = h.logs.filter((line) =>
      new RegExp(
        `^debug prediction model=churn deployment=${deployment} upstreamStatus=200 attempts=1 durationMs=\\d+$`,
      ).test(line),
    );
    expect(lines.length).toBeGreaterThanOrEqual(3);
  });

  it("a request without a trace context is still traced: the invocation's own trace goes upstream", async () => {
    await h.refresh();
    expect((await h.predict("churn", CHURN_EXAMPLE)).status).toBe(200);
    const [predict] = await upstreamRequests("predict");
    expect(predict?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
  });
});

describe("GET /api/status (data)", () => {
  it("shows each model's deployment, status, usability and refresh, and each source's secret as set or not", async () => {
    await h.refresh();
    const s = await status();
    const [churn] = s.models;
    expect(churn).toMatchObject({
      name: "churn",
      status: "RUNNING",
      targetStatus: "RUNNING",
      usable: true,
      stale: false,
      deletesAt: null,
      circuit: expect.toBeOneOf([null, "closed"]),
    });
    expect(churn?.deploymentId).toEqual(expect.any(String));
    expect(churn?.ageSeconds).toBeLessThan(60);
    expect(s.sources).toEqual([
      {
        name: "crm",
        model: "churn",
        scheme: "standard-webhooks",
        secretSetting: "CRM_WEBHOOK_SECRET",
        secretSet: true,
        callbackHost: null,
      },
      {
        name: "github-example",
        model: "churn",
        scheme: "github",
        secretSetting: "GITHUB_WEBHOOK_SECRET",
        secretSet: false,
        callbackHost: null,
      },
      {
        name: "stripe-example",
        model: "churn",
        scheme: "stripe",
        secretSetting: "STRIPE_WEBHOOK_SECRET",
        secretSet: false,
        callbackHost: null,
      },
      {
        name: "helpdesk",
        model: "churn",
        scheme: "hmac-sha256",
        secretSetting: "HELPDESK_WEBHOOK_SECRET",
        secretSet: false,
        callbackHost: null,
      },
    ]);
  });

  it("shows a DEAD deployment as not usable, with its message and when AI Core deletes it", async () => {
    await h.refresh();
    const id = (await status()).models[0]?.deploymentId as string;
    const completed = new Date();
    await world.emulator.control.patchDeployment(id, {
      status: "DEAD",
      statusMessage: "Back-off restarting failed container",
      completionTime: completed.toISOString(),
    });
    await h.refresh();
    const [churn] = (await status()).models;
    expect(churn).toMatchObject({ deploymentId: id, status: "DEAD", usable: false });
    expect(churn?.reason).toContain("Back-off restarting failed container");
    expect(Date.parse(churn?.deletesAt ?? "")).toBe(completed.getTime() + 7 * 24 * 3600 * 1000);
  });

  it("shows the last upstream failure and the circuit of the deployment", async () => {
    await h.refresh();
    await world.emulator.control.setFaults([
      { kinds: ["predict"], times: 1, action: { type: "status", status: 500 } },
    ]);
    expect((await h.predict("churn", CHURN_EXAMPLE)).status).toBe(502);
    const [churn] = (await status()).models;
    expect(churn?.lastUpstreamFailure).toMatchObject({ upstreamStatus: 500, at: expect.any(String) });
    expect(churn?.circuit).toBe("closed");
  });
});
