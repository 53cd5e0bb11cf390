import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

/**
 * `engines` says what is tested and what Azure Functions runs: Node 22 and 24 (Node 20 reached end of life on
 * 30 April 2026 and is not claimed). CI (.ci/run) installs both from the npm registry and runs the suite on each,
 * so whichever runs it must satisfy `engines`, and no installed dependency may refuse a supported Node (npm's
 * EBADENGINE).
 */

const ROOT = path.resolve(__dirname, "..");
const packageJson = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, { engines?: { node?: string } | string[]; version?: string }>;
};
const ci = readFileSync(path.join(ROOT, ".ci", "run"), "utf8");

/** The lowest version of each major `engines` admits: the oldest Node a user may run it on. */
const lowest = packageJson.engines.node.split("||").map((range) => semver.minVersion(range.trim())?.version);

describe("engines", () => {
  it("names Node 22 (from 22.12) and Node 24, and no other major", () => {
    expect(packageJson.engines.node).toBe("^22.12.0 || ^24");
    expect(lowest).toEqual(["22.12.0", "24.0.0"]);
  });

  it(`is satisfied by the Node running this suite (${process.version})`, () => {
    expect(semver.satisfies(process.version, packageJson.engines.node)).toBe(true);
  });

  it("no installed dependency refuses the lowest supported version of either major (no EBADENGINE)", () => {
    const refusing: string[] = [];
    for (const [location, entry] of Object.entries(lock.packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      // The root is package.json itself; packages for other platforms (optional, not installed) are not checked.
      if (location === "" || range === undefined || !existsSync(path.join(ROOT, location))) continue;
      for (const version of lowest) {
        if (version && !semver.satisfies(version, range))
          refusing.push(`${location} (${range}) refuses ${version}`);
      }
    }
    expect(refusing).toEqual([]);
  });

  it("@types/node describes the lowest supported major", () => {
    expect(
      semver.major(semver.minVersion(packageJson.devDependencies["@types/node"] ?? "0.0.0") ?? "0.0.0"),
    ).toBe(22);
  });

  it("the CI script installs a Node 22 and a Node 24 from the npm registry, each satisfying engines", () => {
    const pinned = [...ci.matchAll(/^NODE_\d+=(\d+\.\d+\.\d+)$/gm)].map((match) => match[1]);
    expect(ci).toMatch(
      /for version in "\$NODE_22" "\$NODE_24"; do\n {2}on_node "\$version" bash -c 'node --version && npm test'/,
    );
    const majors = pinned.map((version) => semver.major(version as string)).sort();
    expect(majors).toEqual([22, 24]);
    for (const version of pinned)
      expect(semver.satisfies(version as string, packageJson.engines.node)).toBe(true);
  });
});
