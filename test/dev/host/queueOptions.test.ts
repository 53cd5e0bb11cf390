import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseTimeSpan, readFunctionTimeout, readQueuesOptions } from "../../../src/dev/host/queueOptions";

function appWith(queues: unknown): string {
  const root = mkdtempSync(path.join(tmpdir(), "queues-"));
  writeFileSync(path.join(root, "host.json"), JSON.stringify({ version: "2.0", extensions: { queues } }));
  return root;
}

describe("host.json extensions.queues as the dev host reads them", () => {
  it("has the storage extension's defaults", () => {
    expect(readQueuesOptions(appWith(undefined), {})).toEqual({
      batchSize: 16,
      newBatchThreshold: Math.floor((cpus().length * 16) / 2),
      maxPollingIntervalMs: 60_000,
      visibilityTimeoutMs: 0,
      maxDequeueCount: 5,
      messageEncoding: "base64",
    });
  });

  it("reads host.json, and an AzureFunctionsJobHost__extensions__queues__* app setting wins", () => {
    const root = appWith({
      batchSize: 32,
      newBatchThreshold: 16,
      visibilityTimeout: "00:01:00",
      messageEncoding: "none",
    });
    expect(
      readQueuesOptions(root, {
        AzureFunctionsJobHost__extensions__queues__visibilityTimeout: "00:00:00",
        AzureFunctionsJobHost__extensions__queues__maxPollingInterval: "00:00:00.200",
      }),
    ).toMatchObject({
      batchSize: 32,
      newBatchThreshold: 16,
      visibilityTimeoutMs: 0,
      maxPollingIntervalMs: 200,
      messageEncoding: "none",
    });
  });

  it("the shipped host.json: plain messages, 2 s polling, a minute between attempts, 5 attempts", () => {
    expect(readQueuesOptions(path.resolve(__dirname, "../../.."), {})).toEqual({
      batchSize: 32,
      newBatchThreshold: 16,
      maxPollingIntervalMs: 2_000,
      visibilityTimeoutMs: 60_000,
      maxDequeueCount: 5,
      messageEncoding: "none",
    });
  });

  it("refuses what the host would refuse, with one line naming the setting", () => {
    expect(() => readQueuesOptions(appWith({ batchSize: 64 }), {})).toThrow(
      /batchSize must be a whole number from 0 to 32/,
    );
    expect(() => readQueuesOptions(appWith({ messageEncoding: "utf8" }), {})).toThrow(/messageEncoding/);
    expect(() => readQueuesOptions(appWith({ visibilityTimeout: "1 minute" }), {})).toThrow(/not a TimeSpan/);
  });

  it("reads host.json as the host does: comments and trailing commas allowed, names and overrides in any case", () => {
    const root = mkdtempSync(path.join(tmpdir(), "queues-"));
    writeFileSync(
      path.join(root, "host.json"),
      `{
        // the host reads host.json with comments
        "version": "2.0",
        "Extensions": { "QUEUES": { "BatchSize": 8, /* plain text */ "messageEncoding": "none", }, },
        "functionTimeout": "00:00:03",
      }`,
    );
    expect(
      readQueuesOptions(root, { azurefunctionsjobhost__EXTENSIONS__queues__MAXDEQUEUECOUNT: "2" }),
    ).toMatchObject({
      batchSize: 8,
      messageEncoding: "none",
      maxDequeueCount: 2,
    });
    expect(readFunctionTimeout(root, {})).toBe(3_000);
    expect(readFunctionTimeout(root, { AzureFunctionsJobHost__functionTimeout: "-1" })).toBeUndefined();
    expect(readFunctionTimeout(appWith(undefined), {})).toBe(30 * 60_000);
  });

  it("refuses a host.json that is not JSON with comments, saying where", () => {
    const root = mkdtempSync(path.join(tmpdir(), "queues-"));
    writeFileSync(path.join(root, "host.json"), '{\n  "version": "2.0"\n  "extensions": {}\n}');
    expect(() => readQueuesOptions(root, {})).toThrow(
      /^host\.json is not valid JSON \(CommaExpected at line 3, column 3\)/,
    );
  });

  it("parses TimeSpans with days and fractions", () => {
    expect(parseTimeSpan("1.00:00:01", "x")).toBe(86_401_000);
    expect(parseTimeSpan("00:00:00.5", "x")).toBe(500);
  });
});
