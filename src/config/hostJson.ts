import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { type ParseError, parse, printParseErrorCode } from "jsonc-parser";
import { ConfigError } from "./configError";

/**
 * host.json as the Functions host reads it (Azure/azure-functions-host, HostJsonFileConfigurationSource): JSON with
 * comments and trailing commas, property names case-insensitive (.NET configuration); an app setting
 * `AzureFunctionsJobHost__<path>` (names case-insensitive too) overrides the value at `<path>`.
 */
export const HOST_OVERRIDE_PREFIX = "AzureFunctionsJobHost__";

export type HostJson = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The app's host.json (an empty object when there is none); a malformed one is a ConfigError saying where. */
export function readHostJson(appRoot: string): HostJson {
  const file = path.join(appRoot, "host.json");
  if (!existsSync(file)) return {};
  const text = readFileSync(file, "utf8");
  const errors: ParseError[] = [];
  const json: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    const before = text.slice(0, first.offset).split("\n");
    throw new ConfigError(
      `host.json is not valid JSON (${printParseErrorCode(first.error)} at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1})`,
      "host.json",
    );
  }
  if (!isObject(json)) throw new ConfigError("host.json is not a JSON object", "host.json");
  return json;
}

function member(value: unknown, name: string): unknown {
  if (!isObject(value)) return undefined;
  const key = Object.keys(value).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : value[key];
}

/**
 * The value at `settingPath` (`["extensions", "queues", "messageEncoding"]`): the app setting
 * `AzureFunctionsJobHost__extensions__queues__messageEncoding` (any case) when set, else host.json's (any case).
 */
export function hostSetting(
  hostJson: HostJson,
  env: NodeJS.ProcessEnv,
  settingPath: readonly string[],
): unknown {
  const override = `${HOST_OVERRIDE_PREFIX}${settingPath.join("__")}`.toLowerCase();
  for (const [name, value] of Object.entries(env)) {
    if (name.toLowerCase() === override && value !== undefined && value.trim() !== "") return value.trim();
  }
  let value: unknown = hostJson;
  for (const name of settingPath) value = member(value, name);
  return value;
}

/** The name of the setting at `settingPath` for messages: `host.json extensions.queues.x` (or its override). */
export function hostSettingName(settingPath: readonly string[]): string {
  return `host.json ${settingPath.join(".")}`;
}
