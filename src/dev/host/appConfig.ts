import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { visit } from "jsonc-parser";
import { ConfigError } from "../../config/configError";
import { type HostJson, hostSetting, readHostJson } from "../../config/hostJson";

/** A start-up problem the dev host reports as one line and exits on. */
export class DevHostError extends Error {
  override readonly name = "DevHostError";
}

/**
 * Parses a JSON file; when it is malformed, says where (line and column, from jsonc-parser) and nothing of what
 * is there: JSON.parse's message quotes the text around the error, which in local.settings.json is a secret.
 */
function readJson(file: string, what: string): unknown {
  const text = readFileSync(file, "utf8");
  try {
    return JSON.parse(text);
  } catch {
    let where = "";
    visit(
      text,
      {
        onError: (_error, _offset, _length, startLine, startCharacter) => {
          where ||= ` (line ${startLine + 1}, column ${startCharacter + 1})`;
        },
      },
      { disallowComments: true, allowTrailingComma: false },
    );
    throw new DevHostError(`${what} ${file} is not valid JSON${where}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function globSegmentRegex(segment: string): RegExp {
  const source = segment
    .split("")
    .map((c) => (c === "*" ? "[^/]*" : c === "?" ? "[^/]" : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}

/** Expands a `package.json` `main` pattern: `*` and `?` inside path segments (no `**`), sorted. */
export function expandMain(appRoot: string, pattern: string): string[] {
  const segments = pattern.replace(/\\/g, "/").replace(/^\.\//, "").split("/").filter(Boolean);
  let current = [appRoot];
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!/[*?]/.test(segment)) {
        const candidate = path.join(dir, segment);
        if (existsSync(candidate)) next.push(candidate);
        continue;
      }
      if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
      const regex = globSegmentRegex(segment);
      for (const entry of readdirSync(dir).sort()) {
        if (!regex.test(entry)) continue;
        const candidate = path.join(dir, entry);
        if (last ? statSync(candidate).isFile() : statSync(candidate).isDirectory()) next.push(candidate);
      }
    }
    current = next;
  }
  return current.filter((file) => statSync(file).isFile());
}

/** host.json as the host reads it (comments allowed, names case-insensitive); a malformed one stops the dev host. */
export function hostJsonOf(appRoot: string): HostJson {
  try {
    return readHostJson(appRoot);
  } catch (error) {
    if (error instanceof ConfigError) throw new DevHostError(`${error.message} in ${appRoot}`);
    throw error;
  }
}

export interface AppConfig {
  appRoot: string;
  appName: string;
  mainPattern: string;
  entryPoints: string[];
  routePrefix: string;
  /** host.json `logging.logLevel`, as written (undefined when absent). */
  logLevel: unknown;
}

/** Reads `package.json` (`main`) and `host.json` (`extensions.http.routePrefix`, default `api`). */
export function readAppConfig(appRoot: string, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const packageFile = path.join(appRoot, "package.json");
  if (!existsSync(packageFile)) throw new DevHostError(`no package.json in ${appRoot}`);
  const packageJson = readJson(packageFile, "package.json");
  const main = isObject(packageJson) ? packageJson.main : undefined;
  if (typeof main !== "string" || main.trim() === "") {
    throw new DevHostError(`package.json in ${appRoot} has no "main" naming the function files`);
  }
  const entryPoints = expandMain(appRoot, main.trim());
  if (entryPoints.length === 0) {
    throw new DevHostError(`package.json "main" (${main}) matches no file in ${appRoot} (not built yet?)`);
  }

  // host.json as the host reads it: comments allowed, names case-insensitive, app setting overrides.
  const hostJson = hostJsonOf(appRoot);
  const prefix = hostSetting(hostJson, env, ["extensions", "http", "routePrefix"]);
  let routePrefix = typeof prefix === "string" ? prefix : "api";
  const logLevel = hostSetting(hostJson, env, ["logging", "logLevel"]);
  routePrefix = routePrefix.replace(/^\/+|\/+$/g, "");
  const appName = isObject(packageJson) && typeof packageJson.name === "string" ? packageJson.name : "app";
  return { appRoot, appName, mainPattern: main, entryPoints, routePrefix, logLevel };
}

/**
 * Like Core Tools, copies `local.settings.json` `Values` into the environment where a variable is not
 * already set (the environment wins). Returns the names it set.
 */
export function applyLocalSettings(appRoot: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const file = path.join(appRoot, "local.settings.json");
  if (!existsSync(file)) return [];
  const json = readJson(file, "local.settings.json");
  const values = isObject(json) ? json.Values : undefined;
  if (!isObject(values)) return [];
  const applied: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (env[name] !== undefined || value === null || typeof value === "object") continue;
    env[name] = String(value);
    applied.push(name);
  }
  return applied;
}
