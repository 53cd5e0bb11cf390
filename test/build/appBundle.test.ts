import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `npm run build` bundles the app with esbuild (src/dev/build/bundle.ts) into two files: the one package.json
 * `main` names (dist/app.js: the functions' registrations, what the worker loads while it indexes) and
 * dist/handlers.js beside it (handlers and relay, required on the first invocation). The Node worker loads `main`
 * with `require` and intercepts `require("@azure/functions-core")`, which the @azure/functions library makes: the
 * library stays outside, loaded from node_modules (a host that runs the functions through it too, like the dev
 * host, then evaluates one copy), and so do @azure/identity (loaded only for identity-based storage) and
 * swagger-ui-dist (its files are read from the installed package).
 */

const ROOT = path.resolve(__dirname, "..", "..");
const MAIN: string = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).main;
const APP = path.join(ROOT, MAIN);
const HANDLERS = path.join(path.dirname(APP), "handlers.js");

function textOf(file: string): string {
  expect(existsSync(file), `${path.relative(ROOT, file)}: run \`npm run build\``).toBe(true);
  return readFileSync(file, "utf8");
}

/** What a bundle requires at run time (not inside a quoted string: ajv keeps such text for code generation). */
function requiredBy(file: string): string[] {
  const needed = new Set(
    [...textOf(file).matchAll(/(?<!')\b(?:require|import)\("([^"]+)"\)/g)].map((match) => match[1] as string),
  );
  const builtins = new Set(builtinModules);
  return [...needed].filter((name) => !builtins.has(name.replace(/^node:/, ""))).sort();
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

describe("the app bundle (package.json main) and the handlers bundle", () => {
  it("is built from functions/index.ts, which imports every function file", () => {
    const index = readFileSync(path.join(ROOT, "functions", "index.ts"), "utf8");
    const imported = [...index.matchAll(/^import "\.\/([\w-]+)";$/gm)].map((match) => match[1]);
    const files = readdirSync(path.join(ROOT, "functions"))
      .filter((file) => file.endsWith(".ts") && file !== "index.ts")
      .map((file) => file.replace(/\.ts$/, ""));
    expect(imported.sort()).toEqual(files.sort());
  });

  it("needs no package but @azure/functions, and the handlers bundle beside it", () => {
    expect(MAIN).not.toMatch(/[*?]/);
    expect(requiredBy(APP)).toEqual(["./handlers.js", "@azure/functions"]);
    expect(textOf(APP)).toContain('require("@azure/functions")');
    expect(requiredBy(HANDLERS)).toEqual(["@azure/identity"]);
  });

  it("requires the handlers bundle rather than import() it: the ES module loader would scan all of it", () => {
    expect(textOf(APP)).toContain('require("./handlers.js")');
    expect(textOf(APP)).not.toMatch(/\bimport\(/);
  });

  it("leaves the relay's libraries to the handlers bundle: indexing parses none of them", () => {
    const app = sourcesOf(APP);
    expect(app).toEqual(expect.arrayContaining(["functions/predict.ts", "src/api/relayFunction.ts"]));
    for (const heavy of ["axios", "zod", "cockatiel", "@azure/data-tables", "@azure/storage-queue"]) {
      expect(app.filter((source) => source.startsWith(`node_modules/${heavy}/`))).toEqual([]);
    }
    expect(app).not.toContain("src/relay.ts");
  });

  it("carries source maps that lead back to functions/ and src/", () => {
    expect(sourcesOf(APP)).toEqual(expect.arrayContaining(["functions/predict.ts"]));
    expect(sourcesOf(HANDLERS)).toEqual(
      expect.arrayContaining(["src/relay.ts", "src/scoring/scorer.ts", "src/api/predictHandler.ts"]),
    );
  });
});
