import { readFileSync } from "node:fs";
import path from "node:path";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/config/catalog";
import { buildOpenApiDocument } from "../../src/openapi/openApiDocument";
import { openApiText, relayVersion } from "../../src/openapi/openApiText";
import { toPredictionRequest } from "../../src/payloadMapping/payloadMapping";
import { parseSources } from "../../src/producers/webhooks/sourceCatalog";
import { CHURN_EXAMPLE, shippedCatalogJson } from "../support/world";

const ROOT = path.resolve(__dirname, "../..");
const shipped = () => parseCatalog(shippedCatalogJson(), "default");
// biome-ignore lint/suspicious/noExplicitAny: the tests walk a JSON document by its keys
type Json = Record<string, any>;

/** Redocly's strictest built-in rule set, every finding an error. */
async function lint(document: unknown) {
  const config = await createConfig({
    extends: ["recommended-strict"],
    // Routes like GET /health or GET /openapi.json have no 4xx answer of their own to describe.
    rules: { "operation-4xx-response": "off" },
  });
  const problems = await lintFromString({
    source: JSON.stringify(document),
    absoluteRef: path.join(ROOT, "openapi.json"),
    config,
  });
  return problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? "?"}`);
}

describe("OpenAPI description", () => {
  it("openapi.json is the description of the shipped catalog (run `npm run openapi` when this fails)", () => {
    const committed = readFileSync(path.join(ROOT, "openapi.json"), "utf8");
    const generated = openApiText(buildOpenApiDocument(shipped(), { version: relayVersion(ROOT) }));
    expect(JSON.parse(committed)).toEqual(JSON.parse(generated));
    expect(committed).toBe(generated);
  });

  it("passes Redocly's recommended-strict lint", async () => {
    expect(await lint(buildOpenApiDocument(shipped()))).toEqual([]);
  });

  it("a catalog with two models and sources of every scheme lints clean too", async () => {
    const json = shippedCatalogJson();
    const catalog = parseCatalog(
      {
        models: {
          ...json.models,
          "iris-v2": {
            scenarioId: "iris",
            executableId: "e",
            requestFormat: "instances",
            input: { type: "object" },
          },
        },
        sources: {
          ...json.sources,
          helpdesk: {
            model: "iris-v2",
            verify: {
              scheme: "hmac-sha256",
              secretSetting: "H",
              header: "X-Sig",
              encoding: "hex",
              idHeader: "X-Id",
            },
          },
        },
      },
      "default",
    );
    const document = buildOpenApiDocument(catalog);
    expect(await lint(document)).toEqual([]);
    expect(Object.keys(document.paths as Json)).toEqual(
      expect.arrayContaining([
        "/models/churn/predict",
        "/models/iris-v2/predict",
        "/hooks/crm",
        "/hooks/helpdesk",
      ]),
    );
    const helpdesk = (document.paths as Json)["/hooks/helpdesk"].post;
    expect(helpdesk.parameters.map((p: Json) => [p.name, p.required])).toEqual([
      ["x-sig", true],
      ["x-id", false],
      ["Idempotency-Key", false],
    ]);
  });

  it("describes one predict operation per model, with its input schema, SAP's churn example and the function key", () => {
    const document = buildOpenApiDocument(shipped()) as Json;
    const operation = document.paths["/models/churn/predict"].post;
    expect(operation.security).toEqual([{ functionKeyHeader: [] }, { functionKeyQuery: [] }]);
    expect(operation.requestBody.content["application/json"].examples.instance.value).toEqual(CHURN_EXAMPLE);
    expect(document.components.schemas["churn.Instance"].required).toEqual(
      (shippedCatalogJson() as Json).models.churn.input.required,
    );
    expect(document.components.securitySchemes.functionKeyQuery).toMatchObject({ in: "query", name: "code" });
    expect(Object.keys(operation.responses).sort()).toEqual([
      "200",
      "202",
      "400",
      "401",
      "411",
      "413",
      "415",
      "422",
      "502",
      "503",
      "504",
    ]);
    const validation =
      operation.responses["422"].content["application/problem+json"].examples.validationFailed.value;
    expect(validation.errors.map((e: Json) => e.pointer)).toContain("/tenure");
  });

  it("describes each webhook source with its signature headers, anonymous, and an example payload that maps onto SAP's example", () => {
    const catalog = shipped();
    const document = buildOpenApiDocument(catalog) as Json;
    const crm = document.paths["/hooks/crm"].post;
    expect(crm.security).toEqual([]);
    expect(crm.parameters.filter((p: Json) => p.required).map((p: Json) => p.name)).toEqual([
      "webhook-id",
      "webhook-timestamp",
      "webhook-signature",
    ]);
    expect(document.paths["/hooks/stripe-example"].post.parameters[0].name).toBe("Stripe-Signature");
    const github = document.paths["/hooks/github-example"].post;
    expect(github.parameters[0].name).toBe("X-Hub-Signature-256");
    expect(Object.keys(github.requestBody.content)).toContain("application/x-www-form-urlencoded");
    const source = parseSources(catalog).get("crm");
    if (!source) throw new Error("no crm source");
    const example = crm.requestBody.content["application/json"].example;
    expect(toPredictionRequest(example, source).instances).toEqual([CHURN_EXAMPLE]);
  });

  it("says an events entry with a callback pushes its results there (no host) and may answer 422; it lints clean", async () => {
    const json = shippedCatalogJson();
    const entry = { model: "churn", types: ["com.example.customer.changed"] };
    const catalog = parseCatalog(
      {
        models: json.models,
        events: {
          plain: entry,
          pushed: {
            ...entry,
            callback: { url: "https://crm-internal.example.net/hooks/churn-scores?token=t0p" },
          },
          enriched: {
            ...entry,
            enrich: {
              url: "https://s4-tenant-4711.example.net/sap/opu/odata/A_BusinessPartner('{/data/bp}')",
            },
          },
        },
      },
      "default",
    );
    const document = buildOpenApiDocument(catalog) as Json;
    expect(await lint(document)).toEqual([]);
    const pushed = document.paths["/events/pushed"].post;
    expect(pushed.description).toContain("Each result is also POSTed to the entry's callback, signed");
    expect(document.paths["/events/enriched"].post.description).toContain(
      "fetched from the entry's source system",
    );
    // The document is anonymous: it describes the operation, not the wiring.
    for (const wiring of [
      "t0p",
      "crm-internal",
      "hooks/churn-scores",
      "s4-tenant-4711",
      "A_BusinessPartner",
    ]) {
      expect(JSON.stringify(document)).not.toContain(wiring);
    }
    expect(pushed.responses["422"].content["application/problem+json"].examples.refused.value.type).toBe(
      "urn:aicore-relay:problem:callback-refused",
    );
    const plain = document.paths["/events/plain"].post;
    expect(plain.description).not.toContain("callback");
    expect(plain.responses).not.toHaveProperty("422");
  });
});
