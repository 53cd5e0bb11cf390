import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/config/catalog";
import { coerce } from "../../src/payloadMapping/coercion";
import { toPredictionRequest } from "../../src/payloadMapping/payloadMapping";
import { parseSources } from "../../src/producers/webhooks/sourceCatalog";
import { lookupPointer } from "../../src/shared/jsonPointerLookup";
import { FIXTURE_CATALOG } from "../support/isolatedApp";
import { problemOf } from "../support/thrown";

const shipped = JSON.parse(readFileSync(FIXTURE_CATALOG, "utf8"));
const map = {
  region: "/data/region",
  tenure: "/data/tenure_months",
  age: "/data/contact/age",
  address: "/data/contact/address",
  income: "/data/contact/income",
  employ: "/data/contact/employ",
  gender: "/data/contact/gender",
  equip: "/data/equip",
};
const catalog = parseCatalog(
  {
    models: { churn: shipped.models.churn },
    sources: {
      coercing: { model: "churn", verify: { scheme: "github", secretSetting: "S" }, map, coerce: true },
      strict: { model: "churn", verify: { scheme: "github", secretSetting: "S" }, map },
      unmapped: { model: "churn", verify: { scheme: "github", secretSetting: "S" }, coerce: true },
    },
  },
  "default",
);
const sources = parseSources(catalog);
const source = (name: string) => sources.get(name) ?? expect.unreachable();

const delivery = (data: Record<string, unknown> = {}, contact: Record<string, unknown> = {}) => ({
  type: "contact.updated",
  data: {
    region: "3",
    tenure_months: "37",
    equip: 0,
    ...data,
    contact: { age: 53, address: "13", income: "48.5", employ: 10, gender: "0", ...contact },
  },
});

describe("mapping a payload onto the model's input", () => {
  it("picks each field by its JSON Pointer and coerces numeric strings to the schema's types", () => {
    const request = toPredictionRequest(delivery(), source("coercing"));
    expect(request).toEqual({
      batch: false,
      instances: [
        { region: 3, tenure: 37, age: 53, address: 13, income: 48.5, employ: 10, gender: 0, equip: 0 },
      ],
    });
  });

  it("names the source pointer of a missing field (and does not repeat it as a schema violation)", () => {
    const payload = delivery();
    delete (payload.data as Record<string, unknown>).tenure_months;
    const p = problemOf(() => toPredictionRequest(payload, source("coercing")));
    expect(p.status).toBe(422);
    expect(p.type).toBe("urn:aicore-relay:problem:payload-mapping-failed");
    expect(p.errors).toEqual([
      { pointer: "/data/tenure_months", message: expect.stringContaining("missing") },
    ]);
  });

  it("names the source pointer of a non-numeric string where the model wants a number", () => {
    const p = problemOf(() =>
      toPredictionRequest(delivery({ tenure_months: "three years" }), source("coercing")),
    );
    expect(p.status).toBe(422);
    expect(p.errors).toEqual([
      {
        pointer: "/data/tenure_months",
        message: expect.stringMatching(/"three years".*not a number.*tenure/),
      },
    ]);
  });

  it("reports every problem at once: mapping errors and schema violations, each by source pointer", () => {
    const payload = delivery({ region: "9", tenure_months: "n/a" }, { gender: "2" });
    delete (payload.data.contact as Record<string, unknown>).age;
    const p = problemOf(() => toPredictionRequest(payload, source("coercing")));
    const pointers = (p.errors as Array<{ pointer: string }>).map((e) => e.pointer).sort();
    expect(pointers).toEqual([
      "/data/contact/age",
      "/data/contact/gender",
      "/data/region",
      "/data/tenure_months",
    ]);
  });

  it("without coerce, a numeric string is the schema's violation, still named by source pointer", () => {
    const p = problemOf(() => toPredictionRequest(delivery(), source("strict")));
    expect(p.type).toBe("urn:aicore-relay:problem:validation-failed");
    const pointers = (p.errors as Array<{ pointer: string }>).map((e) => e.pointer).sort();
    expect(pointers).toEqual([
      "/data/contact/address",
      "/data/contact/gender",
      "/data/contact/income",
      "/data/region",
      "/data/tenure_months",
    ]);
  });

  it("coerces to integer where the schema says integer, leaving the integer check to the schema", () => {
    const p = problemOf(() => toPredictionRequest(delivery({ region: "2.5" }), source("coercing")));
    expect(p.errors).toEqual([{ pointer: "/data/region", message: expect.any(String) }]);
  });

  it('coerces "true"/"false" where the schema asks for a boolean', () => {
    expect(coerce("true", "boolean")).toEqual({ ok: true, value: true });
    expect(coerce(" false ", "boolean")).toEqual({ ok: true, value: false });
    expect(coerce("yes", "boolean").ok).toBe(false);
    expect(coerce("1e400", "number").ok).toBe(false);
    expect(coerce("0x10", "number").ok).toBe(false);
    expect(coerce("", "number").ok).toBe(false);
    expect(coerce(12, "number")).toEqual({ ok: true, value: 12 });
  });

  it("without a map the payload is the instance, coerced field by field", () => {
    const request = toPredictionRequest(
      { region: "1", tenure: "2", age: 30, address: 1, income: 20, employ: "4", gender: 1, equip: "0" },
      source("unmapped"),
    );
    expect(request.instances[0]).toEqual({
      region: 1,
      tenure: 2,
      age: 30,
      address: 1,
      income: 20,
      employ: 4,
      gender: 1,
      equip: 0,
    });
    const p = problemOf(() =>
      toPredictionRequest(
        { region: "x", tenure: 2, age: 30, address: 1, income: 20, employ: 4, gender: 1, equip: 0 },
        source("unmapped"),
      ),
    );
    expect(p.errors).toEqual([{ pointer: "/region", message: expect.stringContaining("not an integer") }]);
  });
});

describe("RFC 6901 pointers into the payload", () => {
  const doc = { "a/b": { "m~n": [10, 20] }, "": 1, list: [{ x: 1 }] };
  it("unescapes ~1 and ~0, indexes arrays, and treats the empty pointer as the whole document", () => {
    expect(lookupPointer(doc, "/a~1b/m~0n/1")).toEqual({ found: true, value: 20 });
    expect(lookupPointer(doc, "/")).toEqual({ found: true, value: 1 });
    expect(lookupPointer(doc, "")).toEqual({ found: true, value: doc });
    expect(lookupPointer(doc, "/list/0/x")).toEqual({ found: true, value: 1 });
  });
  it("finds nothing past the end, at '-', at leading zeros, or on inherited properties", () => {
    expect(lookupPointer(doc, "/list/1").found).toBe(false);
    expect(lookupPointer(doc, "/list/-").found).toBe(false);
    expect(lookupPointer(doc, "/list/00").found).toBe(false);
    expect(lookupPointer(doc, "/constructor").found).toBe(false);
    expect(lookupPointer(doc, "/list/length").found).toBe(false);
  });
});
