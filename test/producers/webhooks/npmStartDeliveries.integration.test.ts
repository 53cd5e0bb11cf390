import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningLauncher, startLauncher } from "../../dev/launcher/launcherProcess";
import { CHURN_EXAMPLE as CUSTOMER } from "../../support/world";
import { crmEvent, githubSignature, standardWebhooksHeaders, stripeSignature } from "./signing";

// Black box: the relay as `npm start` runs it (the launcher: Azurite, the bundled emulator, the dev host), the
// shipped catalog, each kind of sender delivering over HTTP.
const CRM_SECRET = "whsec_bnBtLXN0YXJ0LWJsYWNrLWJveC1jcm0tc2VjcmV0";
const GITHUB_SECRET = "npm-start-github-secret";
const STRIPE_SECRET = "whsec_npm_start_stripe";

let launcher: RunningLauncher;

beforeAll(async () => {
  launcher = await startLauncher({
    CRM_WEBHOOK_SECRET: CRM_SECRET,
    GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
    STRIPE_WEBHOOK_SECRET: STRIPE_SECRET,
  });
}, 90_000);

afterAll(async () => {
  await launcher?.process.stop();
});

async function predictCalls(): Promise<number> {
  const response = await fetch(`${launcher.emulatorUrl}/__emulator/requests`);
  return ((await response.json()) as { byKind: { predict: number } }).byKind.predict;
}

async function post(source: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${launcher.base}/hooks/${source}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return {
    status: response.status,
    replayed: response.headers.get("idempotent-replayed"),
    text: await response.text(),
  };
}

function churnProbability(text: string): unknown {
  return (JSON.parse(text) as Record<string, unknown>).churn_probability;
}

describe("webhook senders delivering to the relay started by npm start", () => {
  it("a Standard Webhooks sender (the library's own sign) is scored once; its retry is replayed", async () => {
    const body = JSON.stringify(crmEvent());
    const headers = standardWebhooksHeaders(CRM_SECRET, `msg_npmstart_${Date.now()}`, body);
    const before = await predictCalls();
    const first = await post("crm", body, headers);
    const again = await post("crm", body, headers);
    expect(first.status).toBe(200);
    expect(churnProbability(first.text)).toEqual(expect.any(Number));
    expect(again).toEqual({ status: 200, replayed: "true", text: first.text });
    expect((await predictCalls()) - before).toBe(1);
  });

  it("a GitHub-style sender is scored; a tampered copy is refused with 401", async () => {
    const body = JSON.stringify({ action: "edited", customer: CUSTOMER });
    const headers = {
      "X-Hub-Signature-256": githubSignature(GITHUB_SECRET, body),
      "X-GitHub-Delivery": `gh-npmstart-${Date.now()}`,
    };
    const answer = await post("github-example", body, headers);
    expect(answer.status).toBe(200);
    expect(churnProbability(answer.text)).toEqual(expect.any(Number));
    expect((await post("github-example", `${body} `, headers)).status).toBe(401);
  });

  it("a Stripe-style sender (metadata as strings) is scored, and de-duplicated by its event id", async () => {
    const metadata = Object.fromEntries(Object.entries(CUSTOMER).map(([k, v]) => [k, String(v)]));
    const body = JSON.stringify({
      id: `evt_npmstart_${Date.now()}`,
      type: "customer.updated",
      data: { object: { id: "cus_1", metadata } },
    });
    const t = Math.floor(Date.now() / 1000);
    const first = await post("stripe-example", body, {
      "Stripe-Signature": stripeSignature(STRIPE_SECRET, t, body),
    });
    expect(first.status).toBe(200);
    expect(churnProbability(first.text)).toEqual(expect.any(Number));
    const retry = await post("stripe-example", body, {
      "Stripe-Signature": stripeSignature(STRIPE_SECRET, t + 5, body),
    });
    expect(retry.replayed).toBe("true");
    const stale = await post("stripe-example", body, {
      "Stripe-Signature": stripeSignature(STRIPE_SECRET, t - 301, body),
    });
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.text)).toMatchObject({ failure: "expired" });
  });
});
