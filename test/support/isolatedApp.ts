import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
/** The catalog the tests use: a copy of the shipped models.json (see test/fixtures/catalog/SOURCE.md). */
export const FIXTURE_CATALOG = path.join(REPO_ROOT, "test", "fixtures", "catalog", "models.json");

export interface IsolatedApp {
  root: string;
  /** Writes `local.settings.json` into the app root (a test's own, never the developer's). */
  writeLocalSettings(values: Record<string, string>): void;
  remove(): void;
}

/**
 * A copy of the app in a temporary directory, so that a test never reads the developer's own
 * `local.settings.json` or edited `models.json`: package.json, host.json, static/, the fixture catalog as
 * models.json, node_modules linked; the built dist/ copied (the launcher finds its app root from its own
 * path), or, with `sources`, the TypeScript sources and tsconfig.json so that `npm start` builds it itself.
 */
export function isolatedApp(options: { sources?: boolean } = {}): IsolatedApp {
  const root = mkdtempSync(path.join(os.tmpdir(), "relay-app-"));
  for (const file of ["package.json", "host.json"]) cpSync(path.join(REPO_ROOT, file), path.join(root, file));
  cpSync(FIXTURE_CATALOG, path.join(root, "models.json"));
  symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
  // The pages the relay serves (status, API reference) are read from the app root at run time.
  cpSync(path.join(REPO_ROOT, "static"), path.join(root, "static"), { recursive: true });
  if (options.sources) {
    cpSync(path.join(REPO_ROOT, "tsconfig.json"), path.join(root, "tsconfig.json"));
    for (const dir of ["src", "functions"]) {
      cpSync(path.join(REPO_ROOT, dir), path.join(root, dir), { recursive: true });
    }
  } else {
    const dist = path.join(REPO_ROOT, "dist");
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build\` first`);
    cpSync(dist, path.join(root, "dist"), { recursive: true });
  }
  return {
    root,
    writeLocalSettings(values) {
      writeFileSync(
        path.join(root, "local.settings.json"),
        JSON.stringify({ IsEncrypted: false, Values: values }, null, 2),
      );
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * The environment a test gives a child process: what a shell needs to find programs and a home, nothing
 * else — no setting the developer exported for their own `npm start` (secrets, MODEL_CATALOG, PORT ...).
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "TEMP", "TMP", "SystemRoot", "LANG", "TZ"]) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return { ...env, ...extra };
}
