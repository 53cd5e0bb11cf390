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

/**
 * Lines written during one turn of the event loop go out as one write per stream: a write to a pipe is a
 * synchronous system call, and a busy app logs a line or more per request. Whatever is pending is written at exit.
 */
function lineWriter(stream: NodeJS.WriteStream): (line: string) => void {
  let pending = "";
  const flush = () => {
    if (pending === "") return;
    const text = pending;
    pending = "";
    stream.write(text);
  };
  process.on("exit", flush);
  return (line) => {
    if (pending === "") setImmediate(flush);
    pending += `${line}\n`;
  };
}

export const processConsole: Console = { out: lineWriter(process.stdout), err: lineWriter(process.stderr) };

function isErrorLevel(level: LogLevel): boolean {
  return level === "warning" || level === "error" || level === "critical";
}

/** Which levels of a function's lines are logged: host.json `logging.logLevel`, set once the app is read. */
let functionLevels: { logs(functionName: string, level: LogLevel): boolean } | undefined;

export function useFunctionLogLevels(levels: { logs(functionName: string, level: LogLevel): boolean }): void {
  functionLevels = levels;
}

/**
 * One line per log call: time, level, function name and invocation id, message. A level below host.json's
 * `logging.logLevel` for the function is dropped before it is formatted, as the host drops it.
 */
export function invocationLogHandler(out: Console, functionName: string, invocationId: string) {
  return (level: LogLevel, ...args: unknown[]): void => {
    if (level === "none" || (functionLevels && !functionLevels.logs(functionName, level))) return;
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
