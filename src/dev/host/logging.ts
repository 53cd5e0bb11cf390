import { format } from "node:util";

export type LogLevel = "trace" | "debug" | "information" | "warning" | "error" | "critical" | "none";

const LABEL: Record<LogLevel, string> = {
  trace: "trace",
  debug: "debug",
  information: "info",
  warning: "warn",
  error: "error",
  critical: "crit",
  none: "",
};

export interface Console {
  out(line: string): void;
  err(line: string): void;
}

export const processConsole: Console = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function isErrorLevel(level: LogLevel): boolean {
  return level === "warning" || level === "error" || level === "critical";
}

/** One line per log call: time, level, function name and invocation id, message. */
export function invocationLogHandler(out: Console, functionName: string, invocationId: string) {
  return (level: LogLevel, ...args: unknown[]): void => {
    if (level === "none") return;
    const line = `[${new Date().toISOString()}] ${LABEL[level] ?? level} ${functionName} (${invocationId}): ${format(...args)}`;
    if (isErrorLevel(level)) out.err(line);
    else out.out(line);
  };
}

export function hostLine(out: Console, message: string, level: LogLevel = "information"): void {
  const line = `[${new Date().toISOString()}] ${message}`;
  if (isErrorLevel(level)) out.err(line);
  else out.out(line);
}
