import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * `npm run build` bundles every function into the one file package.json `main` names (esbuild): the Node worker
 * loads it with `require` and intercepts `require("@azure/functions-core")`, so that module must stay a plain
 * require; @azure/identity stays outside (loaded only for identity-based storage), and so does swagger-ui-dist
 * (its files are read from the installed package).
 */

const ROOT = path.resolve(__dirname, "..", "..");
const MAIN: string = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).main;
const BUNDLE = path.join(ROOT, MAIN);
const ALLOWED_PACKAGES = ["@azure/functions-core", "@azure/identity"];

function bundleText(): string {
  expect(existsSync(BUNDLE), `${MAIN}: run \`npm run build\``).toBe(true);
  return readFileSync(BUNDLE, "utf8");
}

describe("the app bundle (package.json main)", () => {
  it("is built from functions/index.ts, which imports every function file", () => {
    const index = readFileSync(path.join(ROOT, "functions", "index.ts"), "utf8");
    const imported = [...index.matchAll(/^import "\.\/([\w-]+)";$/gm)].map((match) => match[1]);
    const files = readdirSync(path.join(ROOT, "functions"))
      .filter((file) => file.endsWith(".ts") && file !== "index.ts")
      .map((file) => file.replace(/\.ts$/, ""));
    expect(imported.sort()).toEqual(files.sort());
  });

  it("is one file that needs no package but the worker's core module and the lazily loaded identity library", () => {
    expect(MAIN).not.toMatch(/[*?]/);
    const text = bundleText();
    const needed = new Set(
      // (not inside a quoted string: ajv keeps the source text `'require("ajv/dist/runtime/ucs2length")'` for code generation)
      [...text.matchAll(/(?<!')\b(?:require|import)\("([^"]+)"\)/g)].map((match) => match[1] as string),
    );
    const builtins = new Set(builtinModules);
    const packages = [...needed].filter((name) => !builtins.has(name.replace(/^node:/, "")));
    expect(packages.sort()).toEqual(ALLOWED_PACKAGES);
    expect(text).toContain('require("@azure/functions-core")');
  });

  it("carries a source map that leads back to functions/ and src/", () => {
    const text = bundleText();
    const reference = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
    expect(reference).toBe(`${path.basename(MAIN)}.map`);
    const map = JSON.parse(readFileSync(path.join(path.dirname(BUNDLE), reference as string), "utf8")) as {
      sources: string[];
    };
    const own = map.sources.map((source) => path.relative(ROOT, path.resolve(path.dirname(BUNDLE), source)));
    expect(own).toEqual(
      expect.arrayContaining(["functions/predict.ts", "src/relay.ts", "src/scoring/scorer.ts"]),
    );
  });
});
