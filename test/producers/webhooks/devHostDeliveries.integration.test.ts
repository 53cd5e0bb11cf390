import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, isolatedApp } from "../../support/isolatedApp";
import { CHURN_EXAMPLE as CUSTOMER, useAzuriteAndEmulator } from "../../support/world";
import { crmEvent, githubSignature, standardWebhooksHeaders, stripeSignature } from "./signing";

// Black box: the built app served by the project's dev host as a child process, the shipped models.json, Azurite
// and the emulator as processes; deliveries over real HTTP, as a sender would make them.
// A copy of the built app with the fixture catalog and no local.settings.json: never the developer's own files.
const app = isolatedApp();
const DEV_HOST = path.join(app.root, "dist/src/dev/host/main.js");
const CRM_SECRET = "whsec_ZGV2LWhvc3QtYmxhY2stYm94LXRlc3Qtc2VjcmV0";
const GITHUB_SECRET = "dev-host-github-secret";
const STRIPE_SECRET = "whsec_dev_host_stripe";

const world = useAzuriteAndEmulator();
let host: ChildProcess;
let baseUrl: string;
let output = "";

async function startDevHost(env: NodeJS.ProcessEnv): Promise<string> {
  host = spawn(process.execPath, [DEV_HOST, "--app-root", app.root, "--port", "0", "--host", "127.0.0.1"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /dev host listening at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1].replace(/\/$/, ""));
    };
    host.stdout?.on("data", onData);
    host.stderr?.on("data", onData);
    host.once("exit", (code) => reject(new Error(`dev host exited (${code}): ${output.slice(-2000)}`)));
  });
}

beforeAll(async () => {
  const env = cleanEnv({
    AICORE_SERVICE_KEY: JSON.stringify(world.emulator.serviceKey),
    AzureWebJobsStorage: world.azurite.connectionString,
    DEPLOYMENT_REFRESH_SCHEDULE: "0 */1 * * * *",
    CRM_WEBHOOK_SECRET: CRM_SECRET,
    GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
    // STRIPE_WEBHOOK_SECRET stays unset at first: that source must answer 503 and say so once at start.
  });
  baseUrl = await startDevHost(env);
});

afterAll(async () => {
  if (host && host.exitCode === null) {
    host.kill("SIGTERM");
    await once(host, "exit");
  }
  app.remove();
});

async function post(source: string, body: string, headers: Record<string, string>, method = "POST") {
  const response = await fetch(`${baseUrl}/api/hooks/${source}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: method === "GET" ? undefined : body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

describe("deliveries to the relay served by the dev host", () => {
  it("a Standard Webhooks sender (the library's own sign) gets the prediction; its retry is replayed", async () => {
    const body = JSON.stringify(crmEvent());
    const headers = standardWebhooksHeaders(CRM_SECRET, `msg_devhost_${Date.now()}`, body);
    await world.emulator.control.resetRequests();
    const first = await post("crm", body, headers);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text).churn_probability).toEqual(expect.any(Number));
    const again = await post("crm", body, headers);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await world.emulator.control.requests()).byKind.predict).toBe(1);
  });

  it("a GitHub-style sender gets the prediction; a tampered copy gets 401 problem+json", async () => {
    const body = JSON.stringify({ action: "edited", customer: CUSTOMER });
    const headers = {
      "X-Hub-Signature-256": githubSignature(GITHUB_SECRET, body),
      "X-GitHub-Delivery": `gh-devhost-${Date.now()}`,
    };
    const answer = await post("github-example", body, headers);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).churn_probability).toEqual(expect.any(Number));
    const tampered = await post("github-example", body.replace("37", "38"), headers);
    expect(tampered.status).toBe(401);
    expect(tampered.headers.get("content-type")).toBe("application/problem+json");
    expect(JSON.parse(tampered.text)).toMatchObject({ failure: "wrong" });
  });

  it("a source whose secret is unset answers 503 and was named once in the start-up output", async () => {
    const body = JSON.stringify({ id: "evt_1", data: {} });
    const headers = {
      "Stripe-Signature": stripeSignature(STRIPE_SECRET, Math.floor(Date.now() / 1000), body),
    };
    const answer = await post("stripe-example", body, headers);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text)).toMatchObject({ type: "urn:aicore-relay:problem:source-not-configured" });
    expect(output.match(/STRIPE_WEBHOOK_SECRET is not set/g)).toHaveLength(1);
  });

  it("a chunked body (no Content-Length), which the host does not forward without streams, gets 411", async () => {
    for (const path of ["/api/hooks/crm", "/api/models/churn/predict"]) {
      const response = await fetch(`${baseUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: new Blob([JSON.stringify(CUSTOMER)]).stream(),
        duplex: "half",
      } as RequestInit);
      expect(response.status, path).toBe(411);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await response.json()).toMatchObject({ type: "urn:aicore-relay:problem:length-required" });
    }
  });

  it("routes every method to the handler (405 problem+json) and is anonymous (no function key needed)", async () => {
    const get = await post("crm", "", {}, "GET");
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect((await post("nope", "{}", {})).status).toBe(404);
  });
});
