import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../../src/config/catalog";
import { ConfigError } from "../../../src/config/configError";
import { parseEventEntries } from "../../../src/producers/events/eventCatalog";
import { eventToPredictionRequest } from "../../../src/producers/events/eventMapping";
import { ProblemError } from "../../../src/shared/problem";
import { shippedCatalogJson } from "../../support/world";

const churnInput = {
  type: "object",
  required: ["region", "tenure"],
  properties: { region: { type: "integer", minimum: 1 }, tenure: { type: "number" } },
};
const models = { churn: { scenarioId: "churn", executableId: "churn-serving", input: churnInput } };
const TYPE = "sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1";
const s4 = {
  model: "churn",
  types: [TYPE],
  enrich: {
    url: "https://my-s4.example.com/sap/opu/odata4/sap/api_business_partner/srvd_a2x/sap/businesspartner/0001/BusinessPartner/{/data/BusinessPartner}",
    auth: {
      type: "oauth2-client-credentials",
      tokenUrlSetting: "S4_TOKEN_URL",
      clientIdSetting: "S4_CLIENT_ID",
      clientSecretSetting: "S4_CLIENT_SECRET",
    },
  },
  map: { region: "/enriched/Region", tenure: "/enriched/TenureMonths" },
  coerce: true,
};

function entries(events: Record<string, unknown>) {
  return parseEventEntries(parseCatalog({ models, events }, "default"));
}

function errorOf(events: Record<string, unknown>): string {
  try {
    entries(events);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return "";
}

function problemOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof ProblemError) return error.problem;
    throw error;
  }
  throw new Error("no problem");
}

describe("catalog events", () => {
  it("the issue's S/4HANA entry parses, with allowedOrigins * and rate * by default", () => {
    const entry = entries({ "s4-business-partner": s4 }).get("s4-business-partner");
    expect(entry?.model.name).toBe("churn");
    expect([...(entry?.types ?? [])]).toEqual([TYPE]);
    expect(entry?.enrich?.auth.type).toBe("oauth2-client-credentials");
    expect(entry?.allowedOrigins).toEqual(["*"]);
    expect(entry?.allowedRate).toBe("*");
    expect(entry?.coerce).toBe(true);
  });

  it("an entry may name a callback, as a webhook source does: each result is pushed there", () => {
    const url = "https://crm.example.com/hooks/churn-scores";
    expect(entries({ s4: { ...s4, callback: { url } } }).get("s4")?.callback).toEqual({ url });
    expect(entries({ s4 }).get("s4")).not.toHaveProperty("callback");
  });

  it("the events entry with a callback of docs/events.md parses as written", () => {
    const page = readFileSync(path.resolve(__dirname, "../../../docs/events.md"), "utf8");
    const snippets = [...page.matchAll(/```json\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? "")
      .filter((code) => code.includes('"events"') && code.includes('"callback"'));
    expect(snippets).toHaveLength(1);
    const snippet = JSON.parse(snippets[0] ?? "") as { events: Record<string, unknown> };
    const shipped = shippedCatalogJson();
    const parsed = parseEventEntries(
      parseCatalog({ models: shipped.models, events: snippet.events }, "default"),
    );
    expect([...parsed.values()].map((entry) => entry.callback)).toEqual([
      { url: "https://crm.example.com/hooks/churn-scores" },
    ]);
  });

  it("a catalog without events has none", () => {
    expect(entries({}).size).toBe(0);
  });

  it.each([
    [{ bad: { ...s4, model: "nope" } }, "MODEL_CATALOG: events.bad.model names no model in the catalog"],
    [{ bad: { ...s4, types: [] } }, "MODEL_CATALOG: events.bad.types must name at least one CloudEvent type"],
    [{ "bad name!": s4 }, 'MODEL_CATALOG: events."bad name!" is not a valid events entry name'],
    [
      { bad: { ...s4, enrich: { ...s4.enrich, url: "https://{/data/host}/x" } } },
      "events.bad.enrich.url must not take an expression in the host",
    ],
    [
      { bad: { ...s4, enrich: { ...s4.enrich, auth: { type: "kerberos" } } } },
      "events.bad.enrich.auth.type is not one of none, basic, oauth2-client-credentials",
    ],
    [
      { bad: { ...s4, enrich: { ...s4.enrich, auth: { type: "basic", userSetting: "U" } } } },
      "events.bad.enrich.auth.passwordSetting",
    ],
    [
      { bad: { ...s4, map: { region: "/enriched/Region" } } },
      "events.bad.map maps nothing onto required field(s) tenure",
    ],
    [
      { bad: { ...s4, map: { region: "/data/Region", tenure: "/event/data/t" } } },
      "events.bad.map.region must point into /event/... or /enriched/...",
    ],
    [
      { bad: { ...s4, enrich: undefined } },
      "events.bad.map.region must point into /event/... (/enriched/... needs enrich)",
    ],
    [
      { bad: { ...s4, allowedOrigins: ["https://x.example/"] } },
      "events.bad.allowedOrigins.0 is not * or a host name",
    ],
    [{ bad: { ...s4, allowedRate: "fast" } }, "events.bad.allowedRate is not * or a whole number"],
    [{ bad: { ...s4, surprise: 1 } }, "events.bad"],
    [
      { bad: { ...s4, callback: { url: "crm.example.com/hooks" } } },
      "MODEL_CATALOG: events.bad.callback.url is not an absolute http(s) URL",
    ],
    [
      { bad: { ...s4, callback: { url: "ftp://crm.example.com/hooks" } } },
      "MODEL_CATALOG: events.bad.callback.url is not an absolute http(s) URL",
    ],
    [{ bad: { ...s4, callback: "https://crm.example.com/hooks" } }, "MODEL_CATALOG: events.bad.callback "],
    [{ bad: { ...s4, callback: { url: "https://crm.example.com/h", secret: "x" } } }, "events.bad.callback"],
  ])("a wrong entry stops the app with one line: %#", (events, message) => {
    const error = errorOf(events);
    expect(error).toContain(message);
    expect(error).not.toContain("\n");
  });

  it("maps the enriched answer and the event onto the model's input, coercing strings", () => {
    const entry = entries({
      s4: { ...s4, map: { region: "/enriched/Region", tenure: "/event/data/tenure" } },
    }).get("s4");
    if (!entry) throw new Error("no entry");
    const event = { id: "1", source: "/s", type: TYPE, specversion: "1.0", data: { tenure: "37" } };
    expect(eventToPredictionRequest(entry, event, { Region: "3" })).toEqual({
      batch: false,
      instances: [{ region: 3, tenure: 37 }],
    });
  });

  it("a mapping failure names the pointers into {event, enriched}", () => {
    const entry = entries({ s4 }).get("s4");
    if (!entry) throw new Error("no entry");
    const problem = problemOf(() => eventToPredictionRequest(entry, { data: {} }, { Region: 0 }));
    expect(problem.status).toBe(422);
    expect(problem.errors).toEqual([
      { pointer: "/enriched/TenureMonths", message: expect.stringContaining("missing") },
      { pointer: "/enriched/Region", message: expect.any(String) },
    ]);
  });

  it("without map the event's data is the instance; violations point into /event/data", () => {
    const entry = entries({ plain: { model: "churn", types: ["t"] } }).get("plain");
    if (!entry) throw new Error("no entry");
    expect(eventToPredictionRequest(entry, { data: { region: 2, tenure: 5 } }).instances).toEqual([
      { region: 2, tenure: 5 },
    ]);
    const problem = problemOf(() => eventToPredictionRequest(entry, { data: { region: 0, tenure: 5 } }));
    expect(problem.errors).toEqual([{ pointer: "/event/data/region", message: expect.any(String) }]);
  });
});
