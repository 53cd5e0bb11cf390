import path from "node:path";
import { registry } from "./coreApi";
import { DevHostError, loadFunctionApp, type RunningDevHost, startDevHost } from "./devHost";
import { hostLine, processConsole } from "./logging";

/**
 * CLI: `node dist/src/dev/host/main.js [--app-root DIR] [--port N] [--host ADDR] [--verbose] [--describe]`.
 * Serves the app (default: the current directory) until SIGINT/SIGTERM. PORT is the default port (7071).
 * Prints `dev host listening at http://HOST:PORT` once ready. A start-up failure is one line on stderr
 * (`dev host: ...`) and exit code 1. `--describe` loads the app, prints what every function registered
 * as one JSON line (the last line) on stdout, and exits without serving. `--verbose` (or DEVHOST_VERBOSE=1) logs
 * every invocation ("Executing"/"Executed"), stack traces and system logs; by default a successful invocation
 * prints only what the function itself logs.
 */

interface Arguments {
  appRoot: string;
  port?: number;
  host?: string;
  describe: boolean;
  verbose: boolean;
}

function parseArguments(argv: string[]): Arguments {
  const args: Arguments = {
    appRoot: process.cwd(),
    describe: false,
    verbose: process.env.DEVHOST_VERBOSE === "1",
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new DevHostError(`${flag} needs a value`);
      return next;
    };
    if (flag === "--app-root") args.appRoot = path.resolve(value());
    else if (flag === "--port") {
      const text = value();
      if (!/^\d+$/.test(text) || Number(text) > 65_535)
        throw new DevHostError(`--port ${text} is not a port`);
      args.port = Number(text);
    } else if (flag === "--host") args.host = value();
    else if (flag === "--describe") args.describe = true;
    else if (flag === "--verbose") args.verbose = true;
    else throw new DevHostError(`unknown argument ${flag}`);
  }
  return args;
}

function portFromEnvironment(): number | undefined {
  const raw = process.env.PORT;
  if (raw === undefined || raw.trim() === "") return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) > 65_535)
    throw new DevHostError(`PORT '${raw}' is not a port`);
  return Number(raw);
}

let verbose = process.env.DEVHOST_VERBOSE === "1";

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  process.stderr.write(`dev host: ${message}\n`);
  if (verbose && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}

registry.systemLog = (level, _category, message) => {
  if (verbose || level === "warning" || level === "error" || level === "critical") {
    hostLine(processConsole, `[system] ${message}`, level);
  }
};

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  verbose = args.verbose;
  if (args.describe) {
    const { metadata } = loadFunctionApp({ appRoot: args.appRoot });
    processConsole.out(JSON.stringify(metadata)); // after any line the app logged while loading
    process.exit(0);
  }
  // Signal handlers first: a SIGTERM that comes right after the ready line must stop the host cleanly.
  let host: RunningDevHost | undefined;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    hostLine(processConsole, `dev host: ${signal}, stopping`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    (host?.close() ?? Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => fail(error),
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  host = await startDevHost({
    appRoot: args.appRoot,
    port: args.port ?? portFromEnvironment(),
    host: args.host,
    verbose: args.verbose,
  });
  if (stopping) await host.close().then(() => process.exit(0));
}

/** As in the Node worker: an unhandled rejection or an uncaught exception ends the process (Azure restarts it). */
function crash(what: string) {
  return (reason: unknown): void => {
    const detail = reason instanceof Error ? (verbose ? reason.stack : reason.message) : String(reason);
    hostLine(
      processConsole,
      `dev host: ${what}, ending the process as the Node worker does: ${detail}`,
      "error",
    );
    process.exit(1);
  };
}
process.on("unhandledRejection", crash("unhandled rejection"));
process.on("uncaughtException", crash("uncaught exception"));

main().catch(fail);
