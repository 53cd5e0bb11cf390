import { afterEach, describe, expect, it } from "vitest";
import { parseCatalog } from "../../../src/config/catalog";
import { parseEventEntries } from "../../../src/producers/events/eventCatalog";
import { configureEventEntries, type EventEntry } from "../../../src/producers/events/eventEntries";
import { prepareEvent } from "../../../src/producers/events/eventPreparation";
import { sendJson, startLoopbackServer } from "../../support/loopbackServer";

const models = {
  churn: {
    scenarioId: "churn",
    executableId: "churn-serving",
    input: { type: "object", required: ["region"], properties: { region: { type: "integer", minimum: 1 } } },
  },
};
const TYPE = "sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1";
const EVENT = { specversion: "1.0", id: "e1", source: "/s4", type: TYPE, data: { BusinessPartner: "17" } };
const POLICY = { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 2, retryAfterCapMs: 5, deadlineMs: 5_000 };

type Server = Awaited<ReturnType<typeof startLoopbackServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function entry(events: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): EventEntry {
  const definitions = parseEventEntries(parseCatalog({ models, events }, "default"));
  const entries = configureEventEntries(
    definitions,
    env,
    { warn: () => undefined },
    {
      timeoutMs: 2_000,
      policy: POLICY,
      maxBytes: 10_000,
    },
  );
  return [...entries.values()][0] as EventEntry;
}

async function s4(status: number, body: unknown = { Region: 4 }) {
  server = await startLoopbackServer((_request, response) => sendJson(response, status, body));
  return server;
}

describe("preparing an event for scoring", () => {
  it("a thin event is enriched, then mapped", async () => {
    const s = await s4(200);
    const e = entry({
      bp: {
        model: "churn",
        types: [TYPE],
        enrich: { url: `${s.url}/bp/{/data/BusinessPartner}` },
        map: { region: "/enriched/Region" },
      },
    });
    expect(await prepareEvent(e, EVENT)).toEqual({
      kind: "request",
      request: { batch: false, instances: [{ region: 4 }] },
    });
    expect(s.requests.map((request) => request.url)).toEqual(["/bp/17"]);
  });

  it("a type the entry does not score is a permanent problem, and nothing is fetched", async () => {
    const s = await s4(200);
    const e = entry({
      bp: { model: "churn", types: ["other.type"], enrich: { url: `${s.url}/bp/{/data/BusinessPartner}` } },
    });
    expect(await prepareEvent(e, EVENT)).toMatchObject({
      kind: "problem",
      transient: false,
      problem: {
        status: 422,
        type: "urn:aicore-relay:problem:event-type-not-accepted",
        acceptedTypes: ["other.type"],
      },
    });
    expect(s.requests).toHaveLength(0);
  });

  it("a record the source system does not have is permanent; an outage is transient", async () => {
    const missing = await s4(404);
    const notFound = entry({
      bp: {
        model: "churn",
        types: [TYPE],
        enrich: { url: `${missing.url}/bp/{/data/BusinessPartner}` },
        map: { region: "/enriched/Region" },
      },
    });
    expect(await prepareEvent(notFound, EVENT)).toMatchObject({ kind: "problem", transient: false });
    await missing.close();
    const down = await s4(503);
    const outage = entry({
      bp: {
        model: "churn",
        types: [TYPE],
        enrich: { url: `${down.url}/bp/{/data/BusinessPartner}` },
        map: { region: "/enriched/Region" },
      },
    });
    expect(await prepareEvent(outage, EVENT)).toMatchObject({ kind: "problem", transient: true });
  });

  it("an enrichment answer that does not map is a permanent problem naming /enriched pointers", async () => {
    const s = await s4(200, { Region: "north" });
    const e = entry({
      bp: {
        model: "churn",
        types: [TYPE],
        enrich: { url: `${s.url}/bp/{/data/BusinessPartner}` },
        map: { region: "/enriched/Region" },
      },
    });
    expect(await prepareEvent(e, EVENT)).toMatchObject({
      kind: "problem",
      transient: false,
      problem: { status: 422, errors: [{ pointer: "/enriched/Region" }] },
    });
  });

  it("an entry whose credential settings are unset is transient: the job waits for them", async () => {
    const e = entry({
      bp: {
        model: "churn",
        types: [TYPE],
        enrich: {
          url: "https://s4.example.com/bp/{/data/BusinessPartner}",
          auth: { type: "basic", userSetting: "U", passwordSetting: "P" },
        },
        map: { region: "/enriched/Region" },
      },
    });
    expect(await prepareEvent(e, EVENT)).toMatchObject({
      kind: "problem",
      transient: true,
      problem: { status: 503 },
    });
  });
});
