import { describe, expect, it } from "vitest";
import { installClosure } from "../../src/dev/package/packageClosure";

describe("installClosure: what a package needs, resolved through the lock as Node resolves it", () => {
  const packages = {
    "": { dependencies: { a: "1", z: "1" } },
    "node_modules/a": { dependencies: { b: "2", c: "1" }, optionalDependencies: { d: "1" } },
    // a needs b@2, installed under a; the hoisted b@1 belongs to z.
    "node_modules/a/node_modules/b": { dependencies: { c: "1" } },
    "node_modules/b": {},
    "node_modules/c": { peerDependencies: { e: "1" } },
    "node_modules/d": {},
    "node_modules/e": {},
    "node_modules/z": { dependencies: { b: "1" } },
  };

  it("follows dependencies, optional and peer ones, nearest install first", () => {
    expect([...installClosure(packages, ["a"])].sort()).toEqual([
      "node_modules/a",
      "node_modules/a/node_modules/b",
      "node_modules/c",
      "node_modules/d",
      "node_modules/e",
    ]);
    expect([...installClosure(packages, ["z"])].sort()).toEqual(["node_modules/b", "node_modules/z"]);
  });

  it("refuses a root the lock does not hold", () => {
    expect(() => installClosure(packages, ["missing"])).toThrow(/missing is not in package-lock.json/);
  });
});
