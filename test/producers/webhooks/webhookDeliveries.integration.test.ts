import { HttpRequest, InvocationContext } from "@azure/functions";
import { Webhook } from "standardwebhooks";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createWebhookHandler } from "../../../src/api/webhookHandler";
import { parseCatalog } from "../../../src/config/catalog";
import { createHarness } from "../../support/relayHarness";
import { CHURN_EXAMPLE as CUSTOMER, shippedCatalogJson, useAzuriteAndEmulator } from "../../support/world";
import {
  crmEvent,
  githubSignature,
  hmacSignature,
  standardWebhooksHeaders,
  stripeSignature,
} from "./signing";

// Real processes: Azurite (delivery records) and the AI Core emulator (the churn model), the relay in-process.
const CRM_SECRET = "whsec_Y3JtLWludGVncmF0aW9uLXRlc3Qtc2VjcmV0LTAx";
const GITHUB_SECRET = "gh-integration-secret";
const STRIPE_SECRET = "whsec_stripe_integration_secret";
const HMAC_SECRET = "generic-secret";

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
    sources: {
      ...shipped.sources,
      generic: {
        model: "churn",
        verify: {
          scheme: "hmac-sha256",
          secretSetting: "GENERIC_SECRET",
          header: "X-Signature",
          encoding: "hex",
        },
      },
      loose: {
        model: "churn-unchecked",
        verify: { scheme: "github", secretSetting: "GITHUB_WEBHOOK_SECRET" },
      },
      unset: { model: "churn", verify: { scheme: "github", secretSetting: "UNSET_WEBHOOK_SECRET" } },
    },
  },
  "default",
);

const world = useAzuriteAndEmulator();
let h: ReturnType<typeof createHarness>;
let handler: Awaited<ReturnType<typeof createWebhookHandler>>;
const startLines: string[] = [];
let sequence = 0;

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: () => Record<string, unknown>;
}

async function deliver(
  source: string,
  body: string,
  headers: Record<string, string>,
  method = "POST",
): Promise<Answer> {
  const request = new HttpRequest({
    method,
    url: `http://localhost/api/hooks/${source}`,
    headers: { "content-type": "application/json", ...headers },
    params: { source },
    body: method === "GET" ? undefined : { bytes: Buffer.from(body) },
  });
  const response = await handler(
    request,
    new InvocationContext({ functionName: "webhook", logHandler: () => {} }),
  );
  const text =
    typeof response.body === "string" ? response.body : Buffer.from(response.body).toString("utf8");
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

const crmHeaders = (id: string, body: string, secret = CRM_SECRET) =>
  standardWebhooksHeaders(secret, id, body);

const uniqueId = (prefix: string) => `${prefix}_${process.pid}_${Date.now()}_${sequence++}`;

async function predictCalls(): Promise<number> {
  return (await world.emulator.control.requests()).byKind.predict;
}

beforeAll(async () => {
  h = createHarness({
    serviceKey: world.emulator.serviceKey,
    storageConnectionString: world.azurite.connectionString,
    catalog,
    env: {
      CRM_WEBHOOK_SECRET: CRM_SECRET,
      GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
      STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
      GENERIC_SECRET: HMAC_SECRET,
    },
    logger: { warn: (...args: unknown[]) => startLines.push(args.map(String).join(" ")) },
  });
  handler = await createWebhookHandler(h.relay);
  await h.refresh();
});

beforeEach(async () => {
  await world.emulator.control.reset();
  await h.refresh();
});

describe("POST /api/hooks/{source} against Azurite and the emulator", () => {
  it("a Standard Webhooks delivery in the CRM's shape returns the churn model's prediction", async () => {
    const body = JSON.stringify(crmEvent());
    const answer = await deliver("crm", body, crmHeaders(uniqueId("msg"), body));
    expect(answer.status).toBe(200);
    const prediction = answer.json();
    expect(prediction.churn_probability).toEqual(expect.any(Number));
    // Scored exactly as /predict scores the same customer.
    const direct = await h.predict("churn", CUSTOMER);
    expect(answer.text).toBe(direct.text);
    expect(answer.headers["AI-Core-Deployment-Id"]).toBe(direct.headers["AI-Core-Deployment-Id"]);
  });

  it("a repeated delivery gets the same status and body again without a second predict call", async () => {
    const body = JSON.stringify(crmEvent("12"));
    const headers = crmHeaders(uniqueId("msg"), body);
    await world.emulator.control.resetRequests();
    const first = await deliver("crm", body, headers);
    const second = await deliver("crm", body, headers);
    const third = await deliver("crm", body, headers);
    expect(first.status).toBe(200);
    expect(first.headers["Idempotent-Replayed"]).toBeUndefined();
    for (const repeat of [second, third]) {
      expect(repeat.status).toBe(200);
      expect(repeat.text).toBe(first.text);
      expect(repeat.headers["Idempotent-Replayed"]).toBe("true");
      expect(repeat.headers["AI-Core-Deployment-Id"]).toBe(first.headers["AI-Core-Deployment-Id"]);
      expect(repeat.headers["Content-Type"]).toBe(first.headers["Content-Type"]);
    }
    expect(await predictCalls()).toBe(1);
  });

  it("20 concurrent copies of one delivery are scored once: one 200, and 409 for the 19 that arrive while it is scored", async () => {
    const body = JSON.stringify(crmEvent("5"));
    const headers = crmHeaders(uniqueId("msg"), body);
    await world.emulator.control.resetRequests();
    // The model takes 1 s, so the first copy is still being scored while the other 19 arrive: they must be
    // answered 409, not scored again (the store-level test pins the same with a held claim).
    await world.emulator.control.setFaults([{ kinds: ["predict"], action: { type: "latency", ms: 1000 } }]);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => deliver("crm", body, headers)),
    ).finally(() => world.emulator.control.clearFaults());
    const kinds = answers.map((a) =>
      a.status !== 200
        ? `${a.status} ${a.text.slice(0, 120)}`
        : a.headers["Idempotent-Replayed"]
          ? "replay"
          : "fresh",
    );
    const conflicts = answers.filter((a) => a.status === 409);
    expect(
      kinds.filter((k) => k === "fresh"),
      kinds.join(" | "),
    ).toHaveLength(1);
    expect(conflicts.length, kinds.join(" | ")).toBe(19);
    for (const conflict of conflicts) {
      expect(conflict.headers["Content-Type"]).toBe("application/problem+json");
      expect(conflict.json().type).toBe("urn:aicore-relay:problem:delivery-in-progress");
      expect(Number(conflict.headers["Retry-After"])).toBeGreaterThan(0);
    }
    expect(await predictCalls()).toBe(1);
  });

  it("the same delivery id with a different body answers 422 and is not scored", async () => {
    const id = uniqueId("msg");
    const body = JSON.stringify(crmEvent("20"));
    expect((await deliver("crm", body, crmHeaders(id, body))).status).toBe(200);
    await world.emulator.control.resetRequests();
    const other = JSON.stringify(crmEvent("21"));
    const answer = await deliver("crm", other, crmHeaders(id, other));
    expect(answer.status).toBe(422);
    expect(answer.json()).toMatchObject({
      type: "urn:aicore-relay:problem:idempotency-key-reused",
      status: 422,
    });
    expect(await predictCalls()).toBe(0);
  });

  it("a tampered delivery answers 401 saying the signature is wrong, and reaches no model", async () => {
    const body = JSON.stringify(crmEvent());
    const headers = crmHeaders(uniqueId("msg"), body);
    await world.emulator.control.resetRequests();
    const answer = await deliver("crm", body.replace('"37"', '"38"'), headers);
    expect(answer.status).toBe(401);
    expect(answer.headers["Content-Type"]).toBe("application/problem+json");
    expect(answer.json()).toMatchObject({
      type: "urn:aicore-relay:problem:signature-invalid",
      failure: "wrong",
    });
    const stale = crmHeaders(uniqueId("msg"), body);
    const old = new Date(Date.now() - 301_000);
    stale["webhook-timestamp"] = String(Math.floor(old.getTime() / 1000));
    stale["webhook-signature"] = new Webhook(CRM_SECRET).sign(stale["webhook-id"] as string, old, body);
    expect((await deliver("crm", body, stale)).json()).toMatchObject({ status: 401, failure: "expired" });
    const unsigned = await deliver("crm", body, {});
    expect(unsigned.json()).toMatchObject({ status: 401, failure: "missing" });
    expect(await predictCalls()).toBe(0);
  });

  it("a delivery signed with a secret the relay does not hold is refused", async () => {
    const body = JSON.stringify(crmEvent());
    const answer = await deliver("crm", body, crmHeaders(uniqueId("msg"), body, "whsec_c29tZW9uZS1lbHNl"));
    expect(answer.status).toBe(401);
  });

  it("an unknown source answers 404, a source whose secret is unset 503, a GET 405 — all problem+json", async () => {
    const unknown = await deliver("nope", "{}", {});
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ type: "urn:aicore-relay:problem:unknown-source" });
    const unset = await deliver("unset", "{}", {});
    expect(unset.status).toBe(503);
    expect(unset.json()).toMatchObject({ type: "urn:aicore-relay:problem:source-not-configured" });
    expect(unset.text).not.toContain("UNSET_WEBHOOK_SECRET"); // the anonymous route describes no setting
    expect(startLines.filter((line) => line.includes("UNSET_WEBHOOK_SECRET"))).toHaveLength(1);
    const get = await deliver("crm", "", {}, "GET");
    expect(get.status).toBe(405);
    expect(get.headers.Allow).toBe("POST");
    expect(get.headers["Content-Type"]).toBe("application/problem+json");
  });

  it("a payload that does not map answers 422 naming the source pointer, and reaches no model", async () => {
    const event = crmEvent("three");
    delete (event.data.contact as Record<string, unknown>).age;
    const body = JSON.stringify(event);
    await world.emulator.control.resetRequests();
    const answer = await deliver("crm", body, crmHeaders(uniqueId("msg"), body));
    expect(answer.status).toBe(422);
    const errors = answer.json().errors as Array<{ pointer: string }>;
    expect(errors.map((e) => e.pointer).sort()).toEqual(["/data/contact/age", "/data/tenure_months"]);
    expect(await predictCalls()).toBe(0);
  });

  it("a GitHub-style delivery is scored and de-duplicated by X-GitHub-Delivery", async () => {
    const body = JSON.stringify({ action: "edited", customer: { ...CUSTOMER, tenure: "37" } });
    const headers = {
      "X-Hub-Signature-256": githubSignature(GITHUB_SECRET, body),
      "X-GitHub-Delivery": uniqueId("gh"),
      "X-GitHub-Event": "custom",
    };
    await world.emulator.control.resetRequests();
    const first = await deliver("github-example", body, headers);
    const again = await deliver("github-example", body, headers);
    expect(first.status).toBe(200);
    expect(first.json().churn_probability).toEqual(expect.any(Number));
    expect(again.headers["Idempotent-Replayed"]).toBe("true");
    expect(await predictCalls()).toBe(1);
  });

  it("a Stripe-style delivery (metadata strings) is scored and de-duplicated by the event id", async () => {
    const metadata = Object.fromEntries(Object.entries(CUSTOMER).map(([k, v]) => [k, String(v)]));
    const event = {
      id: uniqueId("evt"),
      type: "customer.updated",
      data: { object: { id: "cus_1", metadata } },
    };
    const body = JSON.stringify(event);
    const headers = {
      "Stripe-Signature": stripeSignature(STRIPE_SECRET, Math.floor(Date.now() / 1000), body),
    };
    await world.emulator.control.resetRequests();
    const first = await deliver("stripe-example", body, headers);
    expect(first.status).toBe(200);
    const resent = {
      "Stripe-Signature": stripeSignature(STRIPE_SECRET, Math.floor(Date.now() / 1000) + 1, body),
    };
    const again = await deliver("stripe-example", body, resent);
    expect(again.status).toBe(200);
    expect(again.headers["Idempotent-Replayed"]).toBe("true");
    expect(await predictCalls()).toBe(1);
  });

  it("a generic hmac-sha256 delivery without any id is scored every time; with Idempotency-Key once", async () => {
    const body = JSON.stringify(CUSTOMER);
    const signature = { "X-Signature": hmacSignature(HMAC_SECRET, body, "hex") };
    await world.emulator.control.resetRequests();
    expect((await deliver("generic", body, signature)).status).toBe(200);
    expect((await deliver("generic", body, signature)).status).toBe(200);
    expect(await predictCalls()).toBe(2);
    const keyed = { ...signature, "Idempotency-Key": uniqueId("key") };
    expect((await deliver("generic", body, keyed)).status).toBe(200);
    expect((await deliver("generic", body, keyed)).headers["Idempotent-Replayed"]).toBe("true");
    expect(await predictCalls()).toBe(3);
  });

  it("an error answer is not recorded: the sender's retry is scored again", async () => {
    // The unchecked model passes anything on; the model server refuses it: 502.
    const body = JSON.stringify({ region: 3 });
    const headers = {
      "X-Hub-Signature-256": githubSignature(GITHUB_SECRET, body),
      "X-GitHub-Delivery": uniqueId("gh"),
    };
    await world.emulator.control.resetRequests();
    const first = await deliver("loose", body, headers);
    const retry = await deliver("loose", body, headers);
    expect(first.status).toBe(502);
    expect(retry.status).toBe(502);
    expect(retry.headers["Idempotent-Replayed"]).toBeUndefined();
    expect(await predictCalls()).toBe(2);
  });

  it("a delivery refused with 503 while no deployment is usable is scored once one is", async () => {
    const body = JSON.stringify(crmEvent("44"));
    const headers = crmHeaders(uniqueId("msg"), body);
    const seededId = h.relay.records.peek("churn")?.deploymentId as string;
    await world.emulator.control.patchDeployment(seededId, {
      status: "DEAD",
      completionTime: new Date().toISOString(),
    });
    await h.refresh();
    const refused = await deliver("crm", body, headers);
    expect(refused.status).toBe(503);
    await world.emulator.control.reset();
    await h.refresh();
    await world.emulator.control.resetRequests();
    const retried = await deliver("crm", body, headers);
    expect(retried.status).toBe(200);
    expect(retried.headers["Idempotent-Replayed"]).toBeUndefined();
    expect(await predictCalls()).toBe(1);
  });
});
