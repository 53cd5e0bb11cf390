import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseCatalog } from "../../../src/config/catalog";
import { EnrichmentFailure } from "../../../src/producers/events/enrichmentFailure";
import { parseEventEntries } from "../../../src/producers/events/eventCatalog";
import { configureEventEntries, type EventEntry } from "../../../src/producers/events/eventEntries";
import { type RecordedRequest, sendJson, startLoopbackServer } from "../../support/loopbackServer";

const S4_EVENT = JSON.parse(
  readFileSync(
    path.resolve(__dirname, "../../fixtures/events/s4-business-partner-changed.cloudevent.json"),
    "utf8",
  ),
);
const BP_PATH = "/sap/opu/odata4/sap/api_business_partner/srvd_a2x/sap/businesspartner/0001/BusinessPartner";
const models = {
  churn: {
    scenarioId: "churn",
    executableId: "churn-serving",
    input: { type: "object", required: ["region"], properties: { region: { type: "integer" } } },
  },
};
const OAUTH = {
  type: "oauth2-client-credentials",
  tokenUrlSetting: "S4_TOKEN_URL",
  clientIdSetting: "S4_CLIENT_ID",
  clientSecretSetting: "S4_CLIENT_SECRET",
};
const FAST = {
  maxRetries: 3,
  baseDelayMs: 1,
  maxDelayMs: 5,
  retryAfterCapMs: 20,
  deadlineMs: 5_000,
  breaker: { consecutiveFailures: 50, halfOpenAfterMs: 1_000 },
};

type Server = Awaited<ReturnType<typeof startLoopbackServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface StandIn {
  /** Status of each GET in turn; the last one repeats. */
  statuses?: number[];
  /** Bearer tokens it refuses with 401. */
  revoked?: Set<string>;
  delayMs?: number;
  body?: unknown;
}

/** S/4HANA's OData API and its OAuth token endpoint, on loopback. */
async function s4StandIn(options: StandIn = {}) {
  let gets = 0;
  let issued = 0;
  server = await startLoopbackServer(async (request: RecordedRequest, response) => {
    if (request.url === "/sap/bc/sec/oauth2/token") {
      issued++;
      return sendJson(response, 200, {
        access_token: `s4-token-${issued}`,
        token_type: "Bearer",
        expires_in: 3600,
      });
    }
    const token = String(request.headers.authorization ?? "").replace("Bearer ", "");
    if (options.revoked?.has(token)) return sendJson(response, 401, { error: "invalid_token" });
    const statuses = options.statuses ?? [200];
    const status = statuses[Math.min(gets++, statuses.length - 1)] ?? 200;
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    if (status !== 200) return sendJson(response, status, { error: { message: `status ${status}` } });
    const key = decodeURIComponent(request.url.split("/").at(-1) ?? "");
    sendJson(response, 200, options.body ?? { BusinessPartner: key, Region: 3, TenureMonths: 37 });
  });
  return server;
}

function entryFor(
  url: string,
  auth: unknown,
  env: NodeJS.ProcessEnv = {},
  maxBytes = 100_000,
  timeoutMs = 2_000,
) {
  const catalog = parseCatalog(
    {
      models,
      events: {
        s4: {
          model: "churn",
          types: [S4_EVENT.type],
          enrich: { url, auth },
          map: { region: "/enriched/Region" },
        },
      },
    },
    "default",
  );
  const warnings: string[] = [];
  const entries = configureEventEntries(
    parseEventEntries(catalog),
    env,
    { warn: (line: string) => warnings.push(line) },
    { timeoutMs, policy: FAST, maxBytes },
  );
  return { entry: entries.get("s4") as EventEntry, warnings };
}

function oauthEntry(s: Server) {
  return entryFor(`${s.url}${BP_PATH}/{/data/BusinessPartner}`, OAUTH, {
    S4_TOKEN_URL: `${s.url}/sap/bc/sec/oauth2/token`,
    S4_CLIENT_ID: "relay-client",
    S4_CLIENT_SECRET: "s3cret",
  });
}

async function failureOf(promise: Promise<unknown>): Promise<EnrichmentFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof EnrichmentFailure))
    throw new Error(`expected an EnrichmentFailure, got ${String(error)}`);
  return error;
}

describe("enrichment from the source system", () => {
  it("fetches a thin event's business partner with an OAuth client-credentials token, fetched once", async () => {
    const s = await s4StandIn();
    const { entry } = oauthEntry(s);
    const enriched = await entry.enricher?.enrich(S4_EVENT);
    await entry.enricher?.enrich(S4_EVENT);
    expect(enriched).toEqual({ BusinessPartner: "1000746", Region: 3, TenureMonths: 37 });
    const [token, ...gets] = s.requests;
    expect(token?.method).toBe("POST");
    const basic = Buffer.from(
      String(token?.headers.authorization).replace("Basic ", ""),
      "base64",
    ).toString();
    expect(basic).toBe("relay-client:s3cret");
    expect(gets.map((get) => [get.method, get.url, get.headers.authorization, get.headers.accept])).toEqual([
      ["GET", `${BP_PATH}/1000746`, "Bearer s4-token-1", "application/json"],
      ["GET", `${BP_PATH}/1000746`, "Bearer s4-token-1", "application/json"],
    ]);
  });

  it("sends Basic credentials from their settings", async () => {
    const s = await s4StandIn();
    const { entry } = entryFor(
      `${s.url}${BP_PATH}/{/data/BusinessPartner}`,
      { type: "basic", userSetting: "S4_USER", passwordSetting: "S4_PASSWORD" },
      { S4_USER: "COMM_USER", S4_PASSWORD: "pa:ss word" },
    );
    await entry.enricher?.enrich(S4_EVENT);
    const auth = String(s.requests[0]?.headers.authorization);
    expect(Buffer.from(auth.replace("Basic ", ""), "base64").toString()).toBe("COMM_USER:pa:ss word");
  });

  it.each([
    ["1000746/../../../admin", `${BP_PATH}/1000746%2F..%2F..%2F..%2Fadmin`],
    ["1000746?$top=1000&sap-client=000", `${BP_PATH}/1000746%3F%24top%3D1000%26sap-client%3D000`],
    ["../1000747", `${BP_PATH}/..%2F1000747`],
  ])("a key %j stays one path segment: the source system is asked for %s", async (key, expected) => {
    const s = await s4StandIn();
    const { entry } = entryFor(`${s.url}${BP_PATH}/{/data/BusinessPartner}`, { type: "none" });
    await entry.enricher?.enrich({ ...S4_EVENT, data: { BusinessPartner: key } });
    expect(s.requests.map((request) => request.url)).toEqual([expected]);
  });

  it("a key .. is a permanent failure and nothing is sent", async () => {
    const s = await s4StandIn();
    const { entry } = entryFor(`${s.url}${BP_PATH}/{/data/BusinessPartner}`, { type: "none" });
    const failure = await failureOf(
      entry.enricher?.enrich({ ...S4_EVENT, data: { BusinessPartner: ".." } }) ?? Promise.resolve(),
    );
    expect(failure.permanent).toBe(true);
    expect(s.requests).toHaveLength(0);
  });

  it("a thin event without its key is a permanent failure naming the pointer", async () => {
    const s = await s4StandIn();
    const { entry } = entryFor(`${s.url}${BP_PATH}/{/data/BusinessPartner}`, { type: "none" });
    const failure = await failureOf(entry.enricher?.enrich({ ...S4_EVENT, data: {} }) ?? Promise.resolve());
    expect(failure.permanent).toBe(true);
    expect(failure.problem.pointer).toBe("/data/BusinessPartner");
  });

  it("404 from the source system is a permanent failure, not retried", async () => {
    const s = await s4StandIn({ statuses: [404] });
    const { entry } = oauthEntry(s);
    const failure = await failureOf(entry.enricher?.enrich(S4_EVENT) ?? Promise.resolve());
    expect(failure.permanent).toBe(true);
    expect(failure.problem).toMatchObject({ upstreamStatus: 404, detail: expect.stringContaining("404") });
    expect(s.requests.filter((request) => request.method === "GET")).toHaveLength(1);
  });

  it("503 is retried within the call and succeeds when the source system recovers", async () => {
    const s = await s4StandIn({ statuses: [503, 503, 200] });
    const { entry } = oauthEntry(s);
    expect(await entry.enricher?.enrich(S4_EVENT)).toMatchObject({ Region: 3 });
    expect(s.requests.filter((request) => request.method === "GET")).toHaveLength(3);
  });

  it("503 that persists is a transient failure after 4 attempts (the job is retried)", async () => {
    const s = await s4StandIn({ statuses: [503] });
    const { entry } = oauthEntry(s);
    const failure = await failureOf(entry.enricher?.enrich(S4_EVENT) ?? Promise.resolve());
    expect(failure.permanent).toBe(false);
    expect(failure.problem.upstreamStatus).toBe(503);
    expect(s.requests.filter((request) => request.method === "GET")).toHaveLength(4);
  });

  it("500 is transient too, without retries inside the call", async () => {
    const s = await s4StandIn({ statuses: [500] });
    const { entry } = oauthEntry(s);
    const failure = await failureOf(entry.enricher?.enrich(S4_EVENT) ?? Promise.resolve());
    expect(failure.permanent).toBe(false);
    expect(s.requests.filter((request) => request.method === "GET")).toHaveLength(1);
  });

  it("a source system that does not answer in time is a transient failure", async () => {
    const s = await s4StandIn({ delayMs: 1_000 });
    const { entry } = entryFor(
      `${s.url}${BP_PATH}/{/data/BusinessPartner}`,
      { type: "none" },
      {},
      100_000,
      100,
    );
    const failure = await failureOf(entry.enricher?.enrich(S4_EVENT) ?? Promise.resolve());
    expect(failure.permanent).toBe(false);
    expect(failure.problem.status).toBe(504);
  });

  it("a source system that trickles its answer (headers at once, a byte every 50 ms) is cut at ENRICH_TIMEOUT_MS: a transient 504", async () => {
    let closed = false;
    server = await startLoopbackServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      const timer = setInterval(() => response.write(" "), 50);
      response.on("close", () => {
        clearInterval(timer);
        closed = true;
      });
    });
    const { entry } = entryFor(
      `${server.url}${BP_PATH}/{/data/BusinessPartner}`,
      { type: "none" },
      {},
      100_000,
      300,
    );
    const started = performance.now();
    const failure = await failureOf(entry.enricher?.enrich(S4_EVENT) ?? Promise.resolve());
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(failure.permanent).toBe(false);
    expect(failure.problem.status).toBe(504);
    await expect.poll(() => closed, { timeout: 2_000 }).toBe(true);
  });

  it("a refused token is dropped and the GET sent once more with a fresh one", async () => {
    const s = await s4StandIn({ revoked: new Set(["s4-token-1"]) });
    const { entry } = oauthEntry(s);
    expect(await entry.enricher?.enrich(S4_EVENT)).toMatchObject({ Region: 3 });
    const gets = s.requests.filter((request) => request.method === "GET");
    expect(gets.map((get) => get.headers.authorization)).toEqual(["Bearer s4-token-1", "Bearer s4-token-2"]);
  });

  it("401 to Basic credentials is a permanent failure", async () => {
    const s = await s4StandIn({ statuses: [401] });
    const { entry } = entryFor(
      `${s.url}${BP_PATH}/{/data/BusinessPartner}`,
      { type: "basic", userSetting: "U", passwordSetting: "P" },
      { U: "u", P: "p" },
    );
    const failure = await failureOf(entry.enricher?.enrich(S4_EVENT) ?? Promise.resolve());
    expect(failure.permanent).toBe(true);
    expect(JSON.stringify(failure.problem)).not.toContain("cA=="); // no credential in the problem
  });

  it("an answer larger than the limit is a permanent failure", async () => {
    const s = await s4StandIn({ body: { blob: "x".repeat(5_000) } });
    const { entry } = entryFor(`${s.url}${BP_PATH}/{/data/BusinessPartner}`, { type: "none" }, {}, 1_000);
    const failure = await failureOf(entry.enricher?.enrich(S4_EVENT) ?? Promise.resolve());
    expect(failure.permanent).toBe(true);
    expect(failure.problem.detail).toContain("1000 bytes");
  });

  it("unset credential settings leave the entry without an enricher and say so once, naming the settings", () => {
    const { entry, warnings } = entryFor("https://s4.example.com/bp/{/data/BusinessPartner}", OAUTH, {
      S4_TOKEN_URL: "https://s4.example.com/token",
    });
    expect(entry.enricher).toBeUndefined();
    expect(entry.unsetSettings).toEqual(["S4_CLIENT_ID", "S4_CLIENT_SECRET"]);
    expect(warnings).toEqual([expect.stringContaining("S4_CLIENT_ID, S4_CLIENT_SECRET not set")]);
  });

  it("a token URL setting that is no URL stops the app with a line naming the setting", () => {
    expect(() =>
      entryFor("https://s4.example.com/bp/{/data/BusinessPartner}", OAUTH, {
        S4_TOKEN_URL: "not a url",
        S4_CLIENT_ID: "c",
        S4_CLIENT_SECRET: "s",
      }),
    ).toThrow("S4_TOKEN_URL is not an http(s) URL");
  });
});
