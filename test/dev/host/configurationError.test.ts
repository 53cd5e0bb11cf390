import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, isolatedApp } from "../../support/isolatedApp";
import { CHURN_EXAMPLE } from "../../support/world";
import { DevHostProcess, requireBuild } from "./devHostProcess";

/**
 * The built relay on the dev host with a broken setting: as on the Functions host, every function still
 * registers (the relay is built on first use), and every HTTP function answers 503 problem+json naming the
 * setting, never its value; the error is logged once.
 */

const REFERENCE = "@Microsoft.KeyVault(SecretUri=https://relay-kv.vault.azure.net/secrets/aicore-key/)";

// The built app with the fixture catalog and no local.settings.json: never the developer's own files.
const app = isolatedApp();
afterAll(() => app.remove());

async function startRelay(env: NodeJS.ProcessEnv): Promise<{ host: DevHostProcess; url: string }> {
  requireBuild();
  const host = new DevHostProcess(
    ["--app-root", app.root, "--port", "0"],
    cleanEnv({ AzureWebJobsStorage: "UseDevelopmentStorage=true", ...env }),
    undefined,
    false,
  );
  const match = await host.waitForLine(/^dev host listening at (http:\/\/\S+)$/);
  return { host, url: match[1] as string };
}

/** One request to the relay; JSON when it has a body. */
async function call(base: string, method: string, path: string, body?: string) {
  const response = await fetch(`${base}${path}`, {
    method,
    body,
    headers: body ? { "Content-Type": "application/json" } : {},
  });
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

const CALLS: [string, string, string | undefined][] = [
  ["GET", "/api/health", undefined],
  ["POST", "/api/models/churn/predict", '{"region":3}'],
  ["GET", "/api/deployments", undefined],
  ["POST", "/api/hooks/crm", "{}"],
];

describe.each([
  ["an unresolved Key Vault reference", { AICORE_SERVICE_KEY: REFERENCE }, "AICORE_SERVICE_KEY", "relay-kv"],
  [
    "a wrong value",
    {
      AICORE_SERVICE_KEY: JSON.stringify({
        clientid: "c",
        clientsecret: "s3cr3t-never-shown",
        url: "http://127.0.0.1:9",
        serviceurls: { AI_API_URL: "http://127.0.0.1:9" },
      }),
      AICORE_RESOURCE_GROUP: "group with spaces-VALUE",
    },
    "AICORE_RESOURCE_GROUP",
    "VALUE",
  ],
])("a configuration error (%s)", (_what, env, setting, secretPart) => {
  let relay: { host: DevHostProcess; url: string };

  beforeAll(async () => {
    relay = await startRelay(env);
  });

  afterAll(async () => {
    await relay?.host.stop();
  });

  it("leaves every HTTP function answering 503 problem+json that names the setting, not its value", async () => {
    for (const [method, path, body] of CALLS) {
      const { status, type, text } = await call(relay.url, method, path, body);
      expect(status, `${method} ${path}: ${text}`).toBe(503);
      expect(type).toBe("application/problem+json");
      const problem = JSON.parse(text);
      expect(problem).toMatchObject({
        type: "urn:aicore-relay:problem:configuration-error",
        status: 503,
        setting,
      });
      expect(problem.detail).toContain(setting);
      expect(text).not.toContain(secretPart);
    }
  });

  it("logs the error once, as an error, without the value", async () => {
    await fetch(`${relay.url}/api/health`).then((r) => r.arrayBuffer());
    const lines = relay.host.lines.filter((l) => l.text.includes("configuration error:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.stream).toBe("stderr");
    expect(lines[0]?.text).toMatch(new RegExp(`error \\w+ \\([\\w-]+\\): configuration error: ${setting}`));
    expect(relay.host.output()).not.toContain(secretPart);
  });
});

describe("a configuration error of webhooks, events or jobs (WEBHOOK_DEDUP_TTL_HOURS)", () => {
  let relay: { host: DevHostProcess; url: string };
  const env = {
    AICORE_SERVICE_KEY: JSON.stringify({
      clientid: "c",
      clientsecret: "s3cr3t-never-shown",
      url: "http://127.0.0.1:9",
      serviceurls: { AI_API_URL: "http://127.0.0.1:9" },
    }),
    WEBHOOK_DEDUP_TTL_HOURS: "forever-VALUE",
  };

  beforeAll(async () => {
    relay = await startRelay(env);
  });

  afterAll(async () => {
    await relay?.host.stop();
  });

  it("leaves the functions that need them answering 503 naming the setting, and predictions unaffected", async () => {
    for (const [method, path, body] of [
      ["POST", "/api/hooks/crm", "{}"],
      ["POST", "/api/events/customer-changed", "{}"],
      ["GET", "/api/jobs/some-job", undefined],
      ["GET", "/api/status?format=json", undefined],
    ] as const) {
      const { status, text } = await call(relay.url, method, path, body);
      expect(status, `${method} ${path}: ${text}`).toBe(503);
      expect(JSON.parse(text)).toMatchObject({
        type: "urn:aicore-relay:problem:configuration-error",
        setting: "WEBHOOK_DEDUP_TTL_HOURS",
      });
      expect(text).not.toContain("VALUE");
    }
    // The relay's core is built: a prediction is validated (here refused, 422, before any upstream call).
    const prediction = await call(relay.url, "POST", "/api/models/churn/predict", '{"region":3}');
    const problem = JSON.parse(prediction.text);
    expect(prediction.status, prediction.text).toBe(422);
    expect(problem.type).toBe("urn:aicore-relay:problem:validation-failed");
    // The async path needs the job model: 503 naming the setting.
    const async = await fetch(`${relay.url}/api/models/churn/predict`, {
      method: "POST",
      body: JSON.stringify(CHURN_EXAMPLE),
      headers: { "Content-Type": "application/json", Prefer: "respond-async" },
    });
    const asyncText = await async.text();
    expect(async.status, asyncText).toBe(503);
    expect(JSON.parse(asyncText)).toMatchObject({ setting: "WEBHOOK_DEDUP_TTL_HOURS" });
    const logged = relay.host.lines.filter((l) => l.text.includes("configuration error:"));
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(relay.host.output()).not.toContain("VALUE");
  });
});
