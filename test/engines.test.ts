import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `engines` says what is tested: CI (.ci/run) runs this suite on the machine's Node 20 and on Node 22 (the
 * runtime docs/deploy.md deploys to), so whichever runs it must satisfy `engines`, and `engines` names both majors.
 */

const ROOT = path.resolve(__dirname, "..");
const packageJson = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
};

type Version = [number, number, number];

function parse(text: string): Version {
  const parts = text.replace(/^v/, "").split(".").map(Number);
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

/** `^a.b.c || ^d.e.f`: the only form package.json uses (a caret range per tested major). */
function satisfies(version: Version, range: string): boolean {
  return range.split("||").some((alternative) => {
    const match = /^\s*\^(\d+\.\d+\.\d+)\s*$/.exec(alternative);
    if (!match?.[1]) throw new Error(`engines.node alternative ${alternative} is not a caret range`);
    const min = parse(match[1]);
    if (version[0] !== min[0]) return false;
    return version[1] > min[1] || (version[1] === min[1] && version[2] >= min[2]);
  });
}

describe("engines", () => {
  it("names Node 20 and Node 22, the majors CI runs the suite on", () => {
    const majors = packageJson.engines.node.split("||").map((a) => /\^(\d+)\./.exec(a)?.[1]);
    expect(majors).toEqual(["20", "22"]);
  });

  it(`is satisfied by the Node running this suite (${process.version})`, () => {
    expect(satisfies(parse(process.version), packageJson.engines.node)).toBe(true);
  });

  it("the CI script installs the Node 22 it tests on from the npm registry", () => {
    const ci = readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
    const pinned = /node-linux-\$\(node -p process\.arch\)@(\d+\.\d+\.\d+)/.exec(ci)?.[1];
    expect(pinned).toBeDefined();
    expect(satisfies(parse(pinned as string), packageJson.engines.node)).toBe(true);
  });
});
