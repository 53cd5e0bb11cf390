import { afterEach, describe, expect, it } from "vitest";
import { parseCatalog } from "../../../src/config/catalog";
import { EnrichmentFailure } from "../../../src/producers/events/enrichmentFailure";
import { parseEventEntries } from "../../../src/producers/events/eventCatalog";
import { configureEventEntries } from "../../../src/producers/events/eventEntries";
import { sendJson, startLoopbackServer } from "../../support/loopbackServer";

// One events entry enriched from a source system on loopback, under the policy the relay gives entries (a circuit
// that opens after 5 failed calls in a row). A record whose GET hangs must not open the entry's circuit for the
// other records; an outage of the source system (5xx for every record) must.
const POLICY = {
  maxRetries: 3,
  baseDelayMs: 1,
  maxDelayMs: 5,
  retryAfterCapMs: 20,
  deadlineMs: 5_000,
  breaker: { consecutiveFailures: 5, halfOpenAfterMs: 60_000 },
};
const models = {
  churn: {
    scenarioId: "churn",
    executableId: "churn-serving",
    input: { type: "object", required: ["region"], properties: { region: { type: "integer" } } },
  },
};

type Server = Awaited<ReturnType<typeof startLoopbackServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Record `slow` never answers (the GET times out); in an outage every record is 500; others are found. */
async function sourceSystem() {
  const state = { outage: false };
  server = await startLoopbackServer((request, response) => {
    if (request.url.endsWith("/slow")) return; // hangs until the relay gives up
    if (state.outage) return sendJson(response, 500, { error: { message: "internal error" } });
    sendJson(response, 200, { Region: "3" });
  });
  const catalog = parseCatalog(
    {
      models,
      events: {
        bp: { model: "churn", types: ["t"], enrich: { url: `${server.url}/partners/{/data/key}` } },
      },
    },
    "default",
  );
  const entries = configureEventEntries(parseEventEntries(catalog), {}, console, {
    timeoutMs: 100,
    policy: POLICY,
    maxBytes: 65_536,
  });
  const enricher = entries.get("bp")?.enricher;
  if (!enricher) throw new Error("no enricher");
  const enrich = (key: string) =>
    enricher.enrich({ specversion: "1.0", id: key, source: "/s4", type: "t", data: { key } });
  return { server, state, enrich };
}

async function failureOf(promise: Promise<unknown>): Promise<EnrichmentFailure> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof EnrichmentFailure))
    throw new Error(`expected an EnrichmentFailure, got ${String(error)}`);
  return error;
}

describe("enrichment isolation", () => {
  it("a record that times out again and again fails its own events only: the entry's circuit stays closed", async () => {
    const { enrich } = await sourceSystem();
    for (let n = 0; n < 8; n++) {
      expect((await failureOf(enrich("slow"))).problem.status).toBe(504);
    }
    await expect(enrich("1000746")).resolves.toEqual({ Region: "3" });
  });

  it("an outage of the source system (5xx for every record) opens the circuit: no more calls until it half-opens", async () => {
    const { state, enrich, server: standIn } = await sourceSystem();
    state.outage = true;
    for (let n = 0; n < 5; n++) {
      expect((await failureOf(enrich(`bp-${n}`))).problem).toMatchObject({ upstreamStatus: 500 });
    }
    const calls = standIn.requests.length;
    const refused = await failureOf(enrich("1000746"));
    expect(refused.problem.status).toBe(503);
    expect(refused.permanent).toBe(false);
    expect(standIn.requests.length).toBe(calls);
  });
});
