import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../src/config/catalog";
import { MAX_BATCH, parsePredictionRequest } from "../../src/scoring/predictionRequest";
import { FIXTURE_CATALOG } from "../support/isolatedApp";
import { problemOf } from "../support/thrown";
import { CHURN_EXAMPLE as example } from "../support/world";

const churn = loadCatalog(FIXTURE_CATALOG, "default").models.get("churn");
if (!churn) throw new Error("models.json has no churn model");

describe("prediction request", () => {
  it("accepts one instance", () => {
    expect(parsePredictionRequest(example, churn)).toEqual({ batch: false, instances: [example] });
  });

  it(`accepts a batch of ${MAX_BATCH} and refuses ${MAX_BATCH + 1}`, () => {
    const instances = Array.from({ length: MAX_BATCH }, (_, i) => ({ ...example, tenure: i }));
    expect(parsePredictionRequest({ instances }, churn).instances).toHaveLength(MAX_BATCH);
    const p = problemOf(() => parsePredictionRequest({ instances: [...instances, example] }, churn));
    expect(p.status).toBe(400);
    expect(p.detail).toContain("1 to 100");
  });

  it.each([null, [], "text", 42, true])("refuses a top-level %j with 400", (body) => {
    expect(problemOf(() => parsePredictionRequest(body, churn)).status).toBe(400);
  });

  it("refuses instances that is not an array, or empty", () => {
    expect(problemOf(() => parsePredictionRequest({ instances: {} }, churn)).status).toBe(400);
    expect(problemOf(() => parsePredictionRequest({ instances: [] }, churn)).status).toBe(400);
  });

  it("reports every violation with a JSON Pointer into the body", () => {
    const p = problemOf(() =>
      parsePredictionRequest(
        {
          instances: [
            example,
            { ...example, tenure: -3 },
            { ...example, region: "3", "a/b~c": "x" },
            (({ age: _age, ...rest }) => rest)(example),
          ],
        },
        churn,
      ),
    );
    expect(p.status).toBe(422);
    const errors = p.errors as Array<{ pointer: string; message: string }>;
    expect(errors.map((e) => e.pointer).sort()).toEqual(
      ["/instances/1/tenure", "/instances/2/region", "/instances/2/a~1b~0c", "/instances/3/age"].sort(),
    );
    expect(errors.every((e) => e.message.length > 0)).toBe(true);
  });

  it("points into a single instance without the instances prefix", () => {
    const p = problemOf(() => parsePredictionRequest({ ...example, income: "high" }, churn));
    expect(p.errors).toEqual([{ pointer: "/income", message: expect.any(String) }]);
  });

  it("rejects Infinity spelled as a huge number", () => {
    const body = JSON.parse(
      `{"region":3,"tenure":1e400,"age":53,"address":13,"income":48,"employ":10,"gender":0,"equip":0}`,
    );
    expect(problemOf(() => parsePredictionRequest(body, churn)).status).toBe(422);
  });
});
