import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

describe("host.json", () => {
  it("keeps every trace and request from Application Insights sampling (deployment changes, config errors)", () => {
    const host = JSON.parse(readFileSync(path.resolve(__dirname, "..", "host.json"), "utf8"));
    const excluded = String(host.logging.applicationInsights.samplingSettings.excludedTypes).split(";");
    expect(excluded).toEqual(expect.arrayContaining(["Request", "Trace"]));
  });
});
