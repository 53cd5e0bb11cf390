import { afterEach, describe, expect, it } from "vitest";
import { invocationLogHandler, type LogLevel, useFunctionLogLevels } from "../../../src/dev/host/logging";
import { FunctionLogLevels } from "../../../src/dev/host/logLevels";

afterEach(() => useFunctionLogLevels(new FunctionLogLevels(undefined)));

describe("host.json logging.logLevel for a function's own lines (category Function.<name>.User)", () => {
  it("logs Information and above by default, as the host does", () => {
    const levels = new FunctionLogLevels(undefined);
    const logged = (level: LogLevel) => levels.logs("predict", level);
    expect(["trace", "debug"].map((l) => logged(l as LogLevel))).toEqual([false, false]);
    expect(["information", "warning", "error", "critical"].map((l) => logged(l as LogLevel))).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it("takes the longest matching category prefix, case-insensitively, else default", () => {
    const levels = new FunctionLogLevels({
      default: "Warning",
      Function: "Error",
      "function.predict": "Debug",
      "Function.predictX": "None",
    });
    expect(levels.logs("predict", "debug")).toBe(true);
    expect(levels.logs("predict", "trace")).toBe(false);
    expect(levels.logs("webhook", "warning")).toBe(false); // Function: Error
    expect(levels.logs("webhook", "error")).toBe(true);
    expect(levels.logs("predictX", "critical")).toBe(false); // None: nothing, and not a prefix of predict's
  });

  it("a dropped line is never written; a kept one is", () => {
    const written: string[] = [];
    const out = { out: (line: string) => written.push(line), err: (line: string) => written.push(line) };
    useFunctionLogLevels(new FunctionLogLevels({ default: "Information" }));
    const log = invocationLogHandler(out, "predict", "id-1");
    log("debug", "prediction model=churn attempts=1");
    log("information", "prediction model=churn attempts=2");
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/ info predict \(id-1\): prediction model=churn attempts=2$/);
  });
});
