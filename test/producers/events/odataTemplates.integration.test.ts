import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultEvent } from "../../../src/jobs/jobResult";
import type { DevHostProcess } from "../../dev/host/devHostProcess";
import { isolatedApp } from "../../support/isolatedApp";
import { sendJson, startLoopbackServer } from "../../support/loopbackServer";
import { startQueueRelay } from "../../support/queueRelay";
import { QueueReader, queueClient } from "../../support/queues";
import { partnerRecord } from "../../support/s4StandIn";
import { shippedCatalogJson, useAzuriteAndEmulator } from "../../support/world";

// S/4HANA's OData V2 Business Partner API on loopback, reading each URL as OData does (percent-decoded first,
// then `''` is one quote inside a string literal), and the relay in the dev host enriching hostile events from it:
// a value may not end the literal, add a key to the predicate or change the $filter.
const SERVICE = "/sap/opu/odata/sap/API_BUSINESS_PARTNER";
const RESULTS = "odata-scoring-results";
const KEY_PREDICATE = /^A_BusinessPartner\((.*)\)$/;
/** One string literal, as the ABNF reads it: SQUOTE *( SQUOTE-in-string / pchar-no-SQUOTE ) SQUOTE. */
const STRING_LITERAL = /^'((?:[^']|'')*)'$/;

const world = useAzuriteAndEmulator();
const app = isolatedApp();
const catalogDir = fs.mkdtempSync(path.join(os.tmpdir(), "odata-catalog-"));
let host: DevHostProcess;
let base: string;
let results: QueueReader<ResultEvent>;
let s4: Awaited<ReturnType<typeof startLoopbackServer>>;
/** What the stand-in understood each GET to ask for. */
const asked: { keys?: Record<string, string>; filter?: string; error?: string }[] = [];

/** `BusinessPartner='1',BusinessPartnerCategory='2'` or `'1'`: the key's properties, as OData parses them. */
function parseKeyPredicate(text: string): Record<string, string> | undefined {
  const keys: Record<string, string> = {};
  const pairs = text.match(/(?:[A-Za-z]\w*=)?'(?:[^']|'')*'|[^,]+/g) ?? [];
  if (pairs.join(",") !== text) return undefined;
  for (const pair of pairs) {
    const [, name = "BusinessPartner", literal = ""] = /^(?:([A-Za-z]\w*)=)?(.*)$/.exec(pair) ?? [];
    const value = STRING_LITERAL.exec(literal)?.[1];
    if (value === undefined) return undefined;
    keys[name] = value.replaceAll("''", "'");
  }
  return keys;
}

beforeAll(async () => {
  s4 = await startLoopbackServer((request, response) => {
    const url = new URL(request.url, "http://s4");
    const resource = decodeURIComponent(url.pathname.slice(SERVICE.length + 1));
    const filter = url.searchParams.get("$filter");
    if (filter !== null) {
      asked.push({ filter });
      return sendJson(response, 200, { d: { results: [] } });
    }
    const predicate = KEY_PREDICATE.exec(resource)?.[1];
    const keys = predicate === undefined ? undefined : parseKeyPredicate(predicate);
    if (!keys) {
      asked.push({ error: resource });
      return sendJson(response, 400, { error: { message: { value: "malformed URI" } } });
    }
    asked.push({ keys });
    // The genuine partner exists; a key predicate naming it with another category would find it too.
    if (keys.BusinessPartner === "1000746") return sendJson(response, 200, { d: partnerRecord("1000746") });
    return sendJson(response, 404, { error: { message: { value: "Resource not found" } } });
  });
  const catalog = shippedCatalogJson();
  const entry = (url: string) => ({ model: "churn", types: ["bp.changed"], enrich: { url } });
  fs.writeFileSync(
    path.join(catalogDir, "models.json"),
    JSON.stringify({
      models: catalog.models,
      events: {
        "bp-key": entry(`${s4.url}${SERVICE}/A_BusinessPartner('{/data/bp}')`),
        "bp-filter": entry(`${s4.url}${SERVICE}/A_BusinessPartner?$filter=SearchTerm1%20eq%20'{/data/term}'`),
      },
    }),
  );
  ({ host, base } = await startQueueRelay(
    world,
    app.root,
    { jobs: "odata-scoring-requests", results: RESULTS },
    {
      MODEL_CATALOG: path.join(catalogDir, "models.json"),
    },
  ));
  results = new QueueReader<ResultEvent>(queueClient(world.azurite.connectionString, RESULTS));
});

afterAll(async () => {
  app.remove();
  await results?.stop();
  await host?.stop();
  await s4?.close();
  fs.rmSync(catalogDir, { recursive: true, force: true });
});

async function enrichOnce(entry: string, data: unknown) {
  const id = `${entry}-${Date.now()}-${Math.random()}`;
  const before = asked.length;
  const answer = await fetch(`${base}/events/${entry}`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify({ specversion: "1.0", id, source: "/s4", type: "bp.changed", data }),
  });
  expect(answer.status).toBe(202);
  await results.waitFor(
    (messages) => messages.some((m) => m.data.event?.id === id),
    30_000,
    `result of ${id}`,
  );
  return asked.slice(before);
}

describe("OData enrichment templates against hostile event values", () => {
  it("a quote in a key predicate value stays in the key: one BusinessPartner key, the whole value", async () => {
    const bp = "1000746',BusinessPartnerCategory='2";
    expect(await enrichOnce("bp-key", { bp })).toEqual([{ keys: { BusinessPartner: bp } }]);
  });

  it("a quote in a $filter operand stays in the operand: the filter is the template's one comparison", async () => {
    const term = "none' or startswith(SearchTerm1,'A') or 'x";
    const [seen] = await enrichOnce("bp-filter", { term });
    expect(seen?.filter).toMatch(/^SearchTerm1 eq '(?:[^']|'')*'$/);
    expect(seen?.filter?.slice("SearchTerm1 eq '".length, -1).replaceAll("''", "'")).toBe(term);
  });
});
