import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadCatalog, parseCatalog } from "../../src/config/catalog";
import { FIXTURE_CATALOG } from "../support/isolatedApp";
import { messageOf } from "../support/thrown";
import { CHURN_EXAMPLE as churnExample } from "../support/world";

describe("model catalog", () => {
  it("names line and column of a JSON syntax error in the catalog file", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "catalog-"));
    const file = path.join(dir, "models.json");
    writeFileSync(
      file,
      '{\n  "models": {\n    "churn": { "scenarioId": "churn" "executableId": "x" }\n  }\n}\n',
    );
    try {
      expect(messageOf(() => loadCatalog(file, "default"))).toBe(
        `MODEL_CATALOG: ${file} is not valid JSON (line 3, column 38: comma expected)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("loads the catalog (the shipped models.json, as the fixture copy) with defaults applied", () => {
    const catalog = loadCatalog(FIXTURE_CATALOG, "default");
    const churn = catalog.models.get("churn");
    expect(churn).toMatchObject({
      scenarioId: "churn",
      executableId: "churn-serving",
      resourceGroup: "default",
      predictPath: "/v1/models/churn:predict",
      requestFormat: "raw",
    });
    expect(churn?.inputSchema.safeParse(churnExample).success).toBe(true);
  });

  it("defaults predictPath, requestFormat and resource group", () => {
    const catalog = parseCatalog(
      { models: { iris: { scenarioId: "s1", executableId: "e1", input: { type: "object" } } } },
      "team-b",
    );
    expect(catalog.models.get("iris")).toMatchObject({
      predictPath: "/v1/models/iris:predict",
      requestFormat: "raw",
      resourceGroup: "team-b",
    });
  });

  it("turns the JSON Schema into a validator once: integer, minimum, enum, additionalProperties", () => {
    const json = JSON.parse(readFileSync(FIXTURE_CATALOG, "utf8"));
    const schema = parseCatalog(json, "default").models.get("churn")?.inputSchema;
    expect(schema?.safeParse({ ...churnExample, region: 2.5 }).success).toBe(false);
    expect(schema?.safeParse({ ...churnExample, tenure: -1 }).success).toBe(false);
    expect(schema?.safeParse({ ...churnExample, gender: 2 }).success).toBe(false);
    expect(schema?.safeParse({ ...churnExample, extra_feature: "x" }).success).toBe(false);
    expect(schema?.safeParse({ ...churnExample, extra_feature: 1.5 }).success).toBe(true);
  });

  it.each([
    [{}, /models/],
    [{ models: {} }, /models is empty/],
    [{ models: { "../x": { scenarioId: "s", executableId: "e", input: {} } } }, /not a valid model name/],
    [
      { models: { m: { scenarioId: "s", executableId: "e", input: {}, predictPth: "/x" } } },
      /predictPth|Unrecognized/,
    ],
    [
      { models: { m: { scenarioId: "s", executableId: "e", input: {}, requestFormat: "csv" } } },
      /requestFormat/,
    ],
    [
      { models: { m: { scenarioId: "s", executableId: "e", input: {}, predictPath: "v1" } } },
      /predictPath must start with \//,
    ],
    [
      {
        models: {
          m: {
            scenarioId: "s",
            executableId: "e",
            input: { type: "object", properties: { a: { type: "number" } }, required: ["a"] },
            example: {},
          },
        },
      },
      /models\.m\.example does not match its input schema/,
    ],
  ])("rejects a wrong catalog with one line: %j", (json, pattern) => {
    const message = messageOf(() => parseCatalog(json, "default"));
    expect(message).toMatch(pattern);
    expect(message).not.toContain("\n");
  });
});
