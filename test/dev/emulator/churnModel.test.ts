import { describe, expect, it } from "vitest";
import { InvalidInstanceError, predictChurn } from "../../../src/dev/emulator/churnModel";
import { SAP_EXAMPLE_INSTANCE } from "./emulatorClient";

describe("churn model", () => {
  it("scores SAP's example instance with a fixed probability", () => {
    expect(predictChurn(SAP_EXAMPLE_INSTANCE)).toEqual({ churn_probability: 0.2135, churn: 0 });
  });

  it("lowers churn with tenure and raises it with rented equipment", () => {
    const base = predictChurn(SAP_EXAMPLE_INSTANCE).churn_probability;
    expect(predictChurn({ ...SAP_EXAMPLE_INSTANCE, tenure: 60 }).churn_probability).toBeLessThan(base);
    expect(predictChurn({ ...SAP_EXAMPLE_INSTANCE, equip: 1 }).churn_probability).toBeGreaterThan(base);
  });

  it("says churn for a short-tenured young customer with equipment", () => {
    const prediction = predictChurn({
      ...SAP_EXAMPLE_INSTANCE,
      tenure: 2,
      age: 22,
      address: 1,
      employ: 0,
      equip: 1,
    });
    expect(prediction.churn).toBe(1);
    expect(prediction.churn_probability).toBeGreaterThanOrEqual(0.5);
  });

  it("ignores extra numeric features", () => {
    expect(predictChurn({ ...SAP_EXAMPLE_INSTANCE, marital: 1 })).toEqual(predictChurn(SAP_EXAMPLE_INSTANCE));
  });

  it("rejects a missing or non-numeric feature, naming it", () => {
    const { tenure: _omitted, ...withoutTenure } = SAP_EXAMPLE_INSTANCE;
    expect(() => predictChurn(withoutTenure)).toThrow(/'tenure' is missing/);
    expect(() => predictChurn({ ...SAP_EXAMPLE_INSTANCE, age: "53" })).toThrow(InvalidInstanceError);
    expect(() => predictChurn([1, 2])).toThrow(/JSON object/);
  });
});
