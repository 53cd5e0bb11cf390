import fs from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultEvent } from "../../../src/jobs/jobResult";
import { RECEIVER_SECRET, startCallbackReceiver } from "../../deliveries/callbackReceiver";
import type { DevHostProcess } from "../../dev/host/devHostProcess";
import { FAKE_CLIENT_SECRET, FAKE_TOKEN, startFakeAiCore } from "../../support/fakeAiCore";
import { isolatedApp } from "../../support/isolatedApp";
import { startLoopbackServer } from "../../support/loopbackServer";
import { startQueueRelay } from "../../support/queueRelay";
import { QueueReader, queueClient } from "../../support/queues";
import { CHURN_EXAMPLE, shippedCatalogJson, useAzuriteAndEmulator } from "../../support/world";

// A careless source system, its OAuth token endpoint and a model server that echo the relay's credentials back in
// their error answers, each in one spelling per event: no spelling of any credential may reach a result, a job
// record, a callback body or a log line. The relay runs in the dev host against Azurite and a fake AI Core.
const USER = "S4_TECH_USER";
const PASSWORD = 'Pä"ss/w+rd&9 x';
const CLIENT_ID = "relay client";
const CLIENT_SECRET = 'c5"l/nt+sëcret&1';
const RESULTS = "echo-scoring-results";

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const json = (text: string) => JSON.stringify(text).slice(1, -1);

/** Every spelling the test looks for, written here independently of the relay's own list. */
function spellings(secret: string): string[] {
  return [secret, json(secret), encodeURIComponent(secret), base64(secret)];
}

const basicHeader = `Basic ${base64(`${USER}:${PASSWORD}`)}`;
const clientBasic = `Basic ${base64(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`)}`;
const SECRETS = [
  PASSWORD,
  `${USER}:${PASSWORD}`,
  CLIENT_SECRET,
  `${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`,
  FAKE_CLIENT_SECRET,
  FAKE_TOKEN,
  RECEIVER_SECRET,
];

/** What an upstream echoes, by name: taken from what it was sent, in one spelling each. */
function echoes(authorization: string, secret: string): Record<string, string> {
  return {
    header: authorization,
    credential: authorization.replace(/^\w+ /, ""),
    decoded: Buffer.from(authorization.replace(/^\w+ /, ""), "base64").toString("utf8"),
    raw: secret,
    json: json(secret),
    percent: encodeURIComponent(secret),
    base64: base64(secret),
  };
}
const FORMS = Object.keys(echoes("Basic eA==", "x"));

const world = useAzuriteAndEmulator();
const app = isolatedApp();
const catalogDir = fs.mkdtempSync(path.join(os.tmpdir(), "echo-catalog-"));
let host: DevHostProcess;
let base: string;
let results: QueueReader<ResultEvent>;
let aiCore: Awaited<ReturnType<typeof startFakeAiCore>>;
let source: Awaited<ReturnType<typeof startLoopbackServer>>;
let callbacks: Awaited<ReturnType<typeof startCallbackReceiver>>;
let modelEchoes = 0;

function textAnswer(response: import("node:http").ServerResponse, status: number, text: string) {
  response.writeHead(status, { "Content-Type": "text/plain" });
  response.end(`request refused; you sent: ${text}`);
}

const authorizationOf = (headers: IncomingHttpHeaders) => String(headers.authorization ?? "");

beforeAll(async () => {
  // The model server echoes the bearer token (and the service key's secret) in one spelling per call.
  aiCore = await startFakeAiCore((request, response) => {
    const form = FORMS[modelEchoes++ % FORMS.length] ?? "header";
    const echoed = echoes(authorizationOf(request.headers), form === "raw" ? FAKE_CLIENT_SECRET : FAKE_TOKEN);
    textAnswer(response, 400, echoed[form] ?? "");
  });
  // The source system echoes its Basic credential; its token endpoint (/token/{form}) the client's.
  source = await startLoopbackServer((request, response) => {
    const form = request.url.split("/").pop() ?? "";
    const secret = request.url.startsWith("/token/") ? CLIENT_SECRET : PASSWORD;
    textAnswer(
      response,
      request.url.startsWith("/token/") ? 401 : 400,
      echoes(authorizationOf(request.headers), secret)[form] ?? "",
    );
  });
  callbacks = await startCallbackReceiver();
  const catalog = shippedCatalogJson();
  const callback = { url: `${callbacks.url}/hooks/scores` };
  const entry = { model: "churn", types: ["echo"], callback };
  const events: Record<string, unknown> = {
    model: entry,
    basic: {
      ...entry,
      enrich: {
        url: `${source.url}/partners/{/data/form}`,
        auth: { type: "basic", userSetting: "ECHO_USER", passwordSetting: "ECHO_PASSWORD" },
      },
    },
  };
  const env: NodeJS.ProcessEnv = {};
  for (const form of FORMS) {
    events[`oauth-${form}`] = {
      ...entry,
      enrich: {
        url: `${source.url}/partners/{/data/form}`,
        auth: {
          type: "oauth2-client-credentials",
          tokenUrlSetting: `ECHO_TOKEN_URL_${form.toUpperCase()}`,
          clientIdSetting: "ECHO_CLIENT_ID",
          clientSecretSetting: "ECHO_CLIENT_SECRET",
        },
      },
    };
    env[`ECHO_TOKEN_URL_${form.toUpperCase()}`] = `${source.url}/token/${form}`;
  }
  fs.writeFileSync(path.join(catalogDir, "models.json"), JSON.stringify({ models: catalog.models, events }));
  ({ host, base } = await startQueueRelay(
    world,
    app.root,
    { jobs: "echo-scoring-requests", results: RESULTS },
    {
      AICORE_SERVICE_KEY: JSON.stringify(aiCore.serviceKey),
      MODEL_CATALOG: path.join(catalogDir, "models.json"),
      CALLBACK_QUEUE: "echo-callbacks",
      CALLBACK_ALLOWED_HOSTS: "http://127.0.0.1:*",
      CALLBACK_SIGNING_SECRET: RECEIVER_SECRET,
      ECHO_USER: USER,
      ECHO_PASSWORD: PASSWORD,
      ECHO_CLIENT_ID: CLIENT_ID,
      ECHO_CLIENT_SECRET: CLIENT_SECRET,
      ...env,
    },
  ));
  results = new QueueReader<ResultEvent>(queueClient(world.azurite.connectionString, RESULTS));
});

afterAll(async () => {
  app.remove();
  await results?.stop();
  await host?.stop();
  await aiCore?.close();
  await source?.close();
  await callbacks?.close();
  fs.rmSync(catalogDir, { recursive: true, force: true });
});

async function postEvent(entry: string, id: string, data: unknown): Promise<string> {
  const response = await fetch(`${base}/events/${entry}`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify({ specversion: "1.0", id, source: "/echo", type: "echo", data }),
  });
  expect(response.status).toBe(202);
  const receipt = (await response.json()) as { events: { jobId: string }[] };
  return receipt.events[0]?.jobId ?? "";
}

describe("credentials echoed by upstreams", () => {
  it("appear in no result, job record, callback body or log line, in any spelling", async () => {
    const run = Date.now();
    const jobs: string[] = [];
    for (const form of FORMS) {
      jobs.push(await postEvent("basic", `basic-${form}-${run}`, { form }));
      jobs.push(await postEvent(`oauth-${form}`, `oauth-${form}-${run}`, { form }));
      jobs.push(await postEvent("model", `model-${form}-${run}`, CHURN_EXAMPLE));
    }
    await results.waitFor(
      (messages) => jobs.every((job) => messages.some((message) => message.data.jobId === job)),
      60_000,
      "a result of every event",
    );
    await callbacks.arrived(jobs.length);
    const mine = results.messages.filter((message) => jobs.includes(message.data.jobId));
    const records: string[] = [];
    for (const job of jobs) {
      const answer = await fetch(`${base}/jobs/${job.split("/").map(encodeURIComponent).join("/")}`);
      expect(answer.status).toBe(200);
      records.push(await answer.text());
    }
    // The echoes arrived: every failed result carries the upstream's answer, cleaned.
    expect(mine.map((message) => message.data.problem?.upstreamStatus).sort()).toEqual(
      jobs.map((job) => (job.includes("oauth-") ? 401 : 400)).sort(),
    );
    expect(
      mine.every((message) => String(message.data.problem?.upstreamBody).startsWith("request refused")),
    ).toBe(true);
    expect(JSON.stringify(mine)).toContain("[redacted]");
    const written = {
      results: JSON.stringify(mine),
      records: records.join("\n"),
      callbacks: callbacks.received.map((received) => received.body).join("\n"),
      logs: host.output(),
    };
    const leaks = Object.entries(written).flatMap(([where, text]) =>
      SECRETS.flatMap(spellings)
        .filter((spelling) => text.includes(spelling))
        .map((spelling) => `${where}: ${spelling}`),
    );
    expect(leaks).toEqual([]);
    expect([basicHeader, clientBasic].some((header) => written.results.includes(header))).toBe(false);
  }, 90_000);
});
