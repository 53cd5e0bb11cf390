import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CodeCachedModules, codeCacheFileOf } from "../../src/codeCache/codeCachedModules";

/** The compiled loader, for fresh processes (a code cache is for the next process, not the one that wrote it). */
const LOADER = path.resolve(__dirname, "..", "..", "dist", "src", "codeCache", "codeCachedModules.js");

let folder: string;
const moduleFile = (name: string) => path.join(folder, name);

beforeEach(() => {
  folder = mkdtempSync(path.join(tmpdir(), "code-cache-"));
  // a.js requires its sibling b.js, which requires a.js back (a cycle), and one of Node's modules.
  writeFileSync(
    moduleFile("a.js"),
    [
      '"use strict";',
      "exports.name = 'a';",
      'const b = require("./b.js");',
      'exports.joined = require("node:path").posix.join(b.name, b.seenFromB);',
      "exports.file = __filename;",
      "exports.twice = b === require('./b.js');",
      "exports.square = (n) => n * n;",
    ].join("\n"),
  );
  writeFileSync(
    moduleFile("b.js"),
    [
      '"use strict";',
      'const a = require("./a.js");',
      "exports.name = 'b';",
      "exports.seenFromB = a.name;",
    ].join("\n"),
  );
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

interface FreshLoad {
  exports: { joined: string; file: string; twice: boolean; square: number };
  accepted: string[];
  rejected: string[];
  sameAsRequire: boolean;
}

/** Loads a.js in a fresh process, with the loader's class or (`viaEntry`) as the functions' bundle does. */
function loadInFreshProcess(nodeOptions: string[] = [], viaEntry = false): FreshLoad {
  const script = [
    `const { CodeCachedModules, requireWithCodeCache } = require(${JSON.stringify(LOADER)});`,
    `const file = ${JSON.stringify(moduleFile("a.js"))};`,
    `const modules = new CodeCachedModules(${JSON.stringify(folder)});`,
    `const a = ${viaEntry ? "requireWithCodeCache(file)" : "modules.require(file)"};`,
    "console.log(JSON.stringify({",
    "  exports: { joined: a.joined, file: a.file, twice: a.twice, square: a.square(7) },",
    "  accepted: modules.accepted.map((f) => require('node:path').basename(f)),",
    "  rejected: modules.rejected.map((f) => require('node:path').basename(f)),",
    "  sameAsRequire: a === require(file),",
    "}));",
  ].join("\n");
  const result = spawnSync(process.execPath, [...nodeOptions, "-e", script], { encoding: "utf8" });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as FreshLoad;
}

const EXPECTED_EXPORTS = { joined: "b/a", twice: true, square: 49 };

describe("CodeCachedModules", () => {
  it("loads CommonJS modules of one folder: siblings once each (cycles as in CommonJS), Node's own through require", () => {
    const modules = new CodeCachedModules(folder);
    const a = modules.require(moduleFile("a.js")) as { joined: string; twice: boolean; file: string };
    expect(a).toMatchObject({ joined: "b/a", twice: true, file: moduleFile("a.js") });
    expect(modules.require(moduleFile("a.js"))).toBe(a);
    // No cache yet: neither accepted nor refused.
    expect([modules.accepted, modules.rejected]).toEqual([[], []]);
  });

  it("loads a module that threw as it loaded again on the next require, as require does", () => {
    writeFileSync(
      moduleFile("flaky.js"),
      'if (!globalThis.__codeCacheTestReady) throw new Error("not yet");\nexports.ready = true;\n',
    );
    const modules = new CodeCachedModules(folder);
    const flag = globalThis as { __codeCacheTestReady?: boolean };
    try {
      expect(() => modules.require(moduleFile("flaky.js"))).toThrow("not yet");
      flag.__codeCacheTestReady = true;
      expect(modules.require(moduleFile("flaky.js"))).toEqual({ ready: true });
    } finally {
      delete flag.__codeCacheTestReady;
    }
  });

  it("writes each module's cache beside it, and the next process compiles both modules with it", () => {
    const modules = new CodeCachedModules(folder);
    modules.require(moduleFile("a.js"));
    modules.writeCodeCaches();
    expect(existsSync(codeCacheFileOf(moduleFile("a.js")))).toBe(true);
    expect(readFileSync(codeCacheFileOf(moduleFile("b.js"))).length).toBeGreaterThan(0);

    const fresh = loadInFreshProcess();
    expect(fresh.exports).toMatchObject(EXPECTED_EXPORTS);
    expect(fresh.accepted.sort()).toEqual(["a.js", "b.js"]);
    expect(fresh.rejected).toEqual([]);
  });

  it("compiles from source a module whose cache V8 refuses (another module's, or another V8's), with the same result", () => {
    const modules = new CodeCachedModules(folder);
    modules.require(moduleFile("a.js"));
    modules.writeCodeCaches();
    // b.js's cache for a.js: V8 checks the source it was made from.
    writeFileSync(codeCacheFileOf(moduleFile("a.js")), readFileSync(codeCacheFileOf(moduleFile("b.js"))));
    // Other V8 flags than the build's: refused too.
    const fresh = loadInFreshProcess(["--no-opt"]);
    expect(fresh.exports).toMatchObject(EXPECTED_EXPORTS);
    expect(fresh.rejected.sort()).toEqual(["a.js", "b.js"]);

    const mixed = loadInFreshProcess();
    expect(mixed.exports).toMatchObject(EXPECTED_EXPORTS);
    expect([mixed.accepted, mixed.rejected]).toEqual([["b.js"], ["a.js"]]);
  });

  it("leaves the entry to Node's require when source maps are on, so that stack traces are mapped", () => {
    new CodeCachedModules(folder).require(moduleFile("a.js"));
    expect(loadInFreshProcess([], true)).toMatchObject({ exports: EXPECTED_EXPORTS, sameAsRequire: false });
    expect(loadInFreshProcess(["--enable-source-maps"], true)).toMatchObject({
      exports: EXPECTED_EXPORTS,
      sameAsRequire: true,
    });
  });
});
