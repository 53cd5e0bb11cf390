import type { LogLevel } from "./logging";

/** host.json's level names, lowest first (Microsoft.Extensions.Logging's LogLevel). */
const ORDER: LogLevel[] = ["trace", "debug", "information", "warning", "error", "critical", "none"];

function levelOf(name: unknown): LogLevel | undefined {
  return typeof name === "string" ? ORDER.find((level) => level === name.trim().toLowerCase()) : undefined;
}

/**
 * host.json `logging.logLevel`, as the Functions host applies it to what a function logs: the category of a
 * function's own lines is `Function.<name>.User`; the longest key that is a dot-separated prefix of it sets the
 * lowest level logged, else `default` (Information when absent). Case-insensitive, as the host's filter is.
 */
export class FunctionLogLevels {
  private readonly levels: Array<[string, LogLevel]>;
  private readonly fallback: LogLevel;
  private readonly cache = new Map<string, number>();

  constructor(logLevel: unknown) {
    const entries = typeof logLevel === "object" && logLevel !== null ? Object.entries(logLevel) : [];
    this.levels = [];
    let fallback: LogLevel = "information";
    for (const [key, value] of entries) {
      const level = levelOf(value);
      if (!level) continue;
      if (key.toLowerCase() === "default") fallback = level;
      else this.levels.push([key.toLowerCase(), level]);
    }
    this.fallback = fallback;
  }

  /** Whether a line of `level` from function `functionName` is logged. */
  logs(functionName: string, level: LogLevel): boolean {
    let minimum = this.cache.get(functionName);
    if (minimum === undefined) {
      minimum = ORDER.indexOf(this.minimumFor(`function.${functionName}.user`.toLowerCase()));
      this.cache.set(functionName, minimum);
    }
    return level !== "none" && ORDER.indexOf(level) >= minimum;
  }

  private minimumFor(category: string): LogLevel {
    let best: [string, LogLevel] | undefined;
    for (const entry of this.levels) {
      const [key] = entry;
      const prefix = category === key || category.startsWith(`${key}.`);
      if (prefix && (!best || key.length > best[0].length)) best = entry;
    }
    return best?.[1] ?? this.fallback;
  }
}
