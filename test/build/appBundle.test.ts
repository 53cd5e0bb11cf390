import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `npm run build` bundles the app with esbuild (src/dev/build/bundle.ts): the one file package.json `main` names
 * (dist/app.js: the functions' registrations, what the worker loads while it indexes) and dist/handlers/ beside it
 * (handlers and relay split at each dynamic import, required on the first invocation), all CommonJS. The
 * Node worker loads `main` with `require` and intercepts `require("@azure/functions-core")`, which the
 * @azure/functions library makes: the library stays outside, loaded from node_modules (a host that runs the
 * functions through it too, like the dev host, then evaluates one copy), and so do @azure/identity (loaded only for
 * identity-based storage) and swagger-ui-dist (its files are read from the installed package).
 */

const ROOT = path.resolve(__dirname, "..", "..");
const MAIN: string = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).main;
const APP = path.join(ROOT, MAIN);
const HANDLERS = path.join(path.dirname(APP), "handlers");
const ENTRY = path.join(HANDLERS, "handlers.js");

function textOf(file: string): string {
  expect(existsSync(file), `${path.relative(ROOT, file)}: run \`npm run build\``).toBe(true);
  return readFileSync(file, "utf8");
}

const BUILTINS = new Set(builtinModules);
const isBuiltin = (name: string) => BUILTINS.has(name.replace(/^node:/, ""));

/** What a bundle requires or imports at run time (not inside a quoted string: ajv keeps such text for code generation). */
function requiredBy(file: string): string[] {
  const text = textOf(file);
  const needed = new Set([
    ...[...text.matchAll(/(?<!')\b(?:require|import)\("([^"]+)"\)/g)].map((match) => match[1] as string),
    ...[...text.matchAll(/\bimport\s*(?:[\w$*{},\s]+from\s*)?"([^"]+)"/g)].map((match) => match[1] as string),
  ]);
  return [...needed].filter((name) => !isBuiltin(name)).sort();
}

/** The handler modules a module requires as it loads, transitively (not those it requires in a promise, on use). */
function staticGraph(file: string, seen = new Set<string>()): Set<string> {
  seen.add(path.basename(file));
  const text = textOf(file);
  const onUse = new Set(
    [...text.matchAll(/\.then\(\(\)\s*=>\s*[\w$]*\(?require\("\.\/([\w-]+\.js)"\)/g)].map((m) => m[1]),
  );
  for (const match of text.matchAll(/\brequire\("\.\/([\w-]+\.js)"\)/g)) {
    const next = match[1] as string;
    if (!onUse.has(next) && !seen.has(next)) staticGraph(path.join(HANDLERS, next), seen);
  }
  return seen;
}

/** The sources a bundle's map leads back to, relative to the repository. */
function sourcesOf(file: string): string[] {
  const reference = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(textOf(file))?.[1];
  expect(reference).toBe(`${path.basename(file)}.map`);
  const map = JSON.parse(readFileSync(path.join(path.dirname(file), reference as string), "utf8")) as {
    sources: string[];
  };
  return map.sources.map((source) => path.relative(ROOT, path.resolve(path.dirname(file), source)));
}

const handlerModules = () => readdirSync(HANDLERS).filter((file) => file.endsWith(".js"));

/** Every source of the handler modules that load with `entry`, statically. */
function sourcesLoadedWith(entry: string): string[] {
  return [...staticGraph(entry)].flatMap((file) => sourcesOf(path.join(HANDLERS, file)));
}

/** The handler module built from `source` (the entry of a dynamic import). */
function moduleOf(source: string): string {
  const found = handlerModules().filter((file) => sourcesOf(path.join(HANDLERS, file)).includes(source));
  expect(found, source).toHaveLength(1);
  return path.join(HANDLERS, found[0] as string);
}

describe("the app bundle (package.json main) and the handlers it imports", () => {
  it("is built from functions/index.ts, which imports every function file", () => {
    const index = readFileSync(path.join(ROOT, "functions", "index.ts"), "utf8");
    const imported = [...index.matchAll(/^import "\.\/([\w-]+)";$/gm)].map((match) => match[1]);
    const files = readdirSync(path.join(ROOT, "functions"))
      .filter((file) => file.endsWith(".ts") && file !== "index.ts")
      .map((file) => file.replace(/\.ts$/, ""));
    expect(imported.sort()).toEqual(files.sort());
  });

  it("needs no package but @azure/functions, and loads the handlers' entry module beside it as CommonJS", () => {
    expect(MAIN).not.toMatch(/[*?]/);
    expect(requiredBy(APP)).toEqual(["@azure/functions"]);
    expect(textOf(APP)).toContain('require("@azure/functions")');
    // Loaded as CommonJS with its code cache, not import()ed: Node's ES module loader would read it to guess its
    // format and scan its exports.
    expect(textOf(APP)).toContain('require("node:path").join(__dirname,"handlers","handlers.js")');
    expect(textOf(APP)).not.toMatch(/\bimport\(/);
  });

  it("keeps V8's code cache beside each handler module, which the Node that built them accepts", () => {
    const modules = handlerModules();
    expect(
      readdirSync(HANDLERS)
        .filter((file) => file.endsWith(".js.cache"))
        .sort(),
    ).toEqual(modules.map((file) => `${file}.cache`).sort());
    // A fresh process loads the modules of a first prediction as the functions' bundle does, and reports the caches.
    const loader = path.join(ROOT, "dist", "src", "codeCache", "codeCachedModules.js");
    const script = [
      `const { CodeCachedModules } = require(${JSON.stringify(loader)});`,
      `const modules = new CodeCachedModules(${JSON.stringify(HANDLERS)});`,
      `const handlers = modules.require(${JSON.stringify(ENTRY)});`,
      "console.log(JSON.stringify({ accepted: modules.accepted.length, rejected: modules.rejected,",
      "  loads: typeof handlers.loadPredictHandler }));",
    ].join("\n");
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      accepted: staticGraph(ENTRY).size,
      rejected: [],
      loads: "function",
    });
  });

  it("leaves Node's http2 unloaded until axios makes an HTTP/2 request (the relay makes none)", () => {
    const script = [
      `require(${JSON.stringify(ENTRY)});`,
      `require(${JSON.stringify(moduleOf("src/api/predictHandler.ts"))});`,
      "console.log(JSON.stringify({ axios: process.moduleLoadList.includes('NativeModule http'),",
      "  http2: process.moduleLoadList.includes('NativeModule http2') }));",
    ].join("\n");
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ axios: true, http2: false });
    // In the modules, http2 is read through an object that loads it on its first member read.
    const texts = handlerModules().map((file) => textOf(path.join(HANDLERS, file)));
    expect(texts.filter((text) => /require\("(node:)?http2"\)/.test(text))).toEqual([]);
    expect(texts.filter((text) => text.includes('process.getBuiltinModule("node:http2")[')).length).toBe(1);
  });

  it("leaves the relay's libraries to the handlers: indexing parses none of them", () => {
    const app = sourcesOf(APP);
    expect(app).toEqual(expect.arrayContaining(["functions/predict.ts", "src/api/relayFunction.ts"]));
    for (const heavy of ["axios", "zod", "cockatiel", "@azure/data-tables", "@azure/storage-queue"]) {
      expect(app.filter((source) => source.startsWith(`node_modules/${heavy}/`))).toEqual([]);
    }
    expect(app).not.toContain("src/relay/relay.ts");
  });

  it("loads from node_modules nothing but @azure/identity (identity-based storage only)", () => {
    const needed = new Set(handlerModules().flatMap((file) => requiredBy(path.join(HANDLERS, file))));
    expect([...needed].filter((name) => !name.startsWith("./")).sort()).toEqual(["@azure/identity"]);
  });

  it("loads, for a prediction, the relay's core and the predict handler, not webhooks, events, jobs or the other handlers", () => {
    const withEntry = sourcesLoadedWith(ENTRY);
    expect(withEntry).toEqual(expect.arrayContaining(["src/relay/relay.ts", "src/scoring/scorer.ts"]));
    // The predict handler itself is required on its first call, not with the entry.
    expect(staticGraph(ENTRY)).not.toContain(path.basename(moduleOf("src/api/predictHandler.ts")));
    const predict = sourcesLoadedWith(moduleOf("src/api/predictHandler.ts"));
    expect(predict).toContain("src/api/predictHandler.ts");
    const firstPrediction = [...withEntry, ...predict];
    for (const apart of [
      "src/relay/relayFeatures.ts",
      "src/producers/webhooks/",
      "src/payloadMapping/",
      "src/producers/events/",
      "src/jobs/",
      "src/deliveries/",
      "src/openapi/",
      "src/api/statusHandler.ts",
      "src/producers/predict/predictionJob.ts",
      "node_modules/@azure/storage-queue/",
      "node_modules/cloudevents/",
      "node_modules/cron-parser/",
    ]) {
      expect(
        firstPrediction.filter((source) => source.startsWith(apart)),
        apart,
      ).toEqual([]);
    }
    // What is apart is in the modules loaded on first use.
    expect(sourcesLoadedWith(moduleOf("src/relay/relayFeatures.ts"))).toEqual(
      expect.arrayContaining(["src/producers/webhooks/createWebhooks.ts", "src/jobs/createJobs.ts"]),
    );
  });

  it("carries source maps that lead back to functions/ and src/", () => {
    expect(sourcesOf(APP)).toEqual(expect.arrayContaining(["functions/predict.ts"]));
    expect(sourcesOf(ENTRY)).toEqual(expect.arrayContaining(["src/relay/relay.ts"]));
    for (const file of handlerModules())
      expect(existsSync(path.join(HANDLERS, `${file}.map`)), file).toBe(true);
  });

  it("reads the global FormData in no handler module as it loads (that loads Node's fetch implementation)", () => {
    for (const file of handlerModules()) {
      expect(textOf(path.join(HANDLERS, file)), file).not.toMatch(
        /typeof \w+\.FormData\s*!==?\s*"undefined"\s*\?/,
      );
    }
  });
});
