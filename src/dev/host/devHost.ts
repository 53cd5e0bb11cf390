import path from "node:path";
import { type AppConfig, applyLocalSettings, DevHostError, readAppConfig } from "./appConfig";
import { type FunctionMetadata, registry } from "./coreApi";
import type { FunctionsLibrary } from "./functionsLibrary";
import {
  buildFunctionTable,
  type HostedFunction,
  type HttpFunction,
  type QueueFunction,
  type TimerFunction,
} from "./functionTable";
import { bodyLimitFromEnv, startHttpServer } from "./httpServer";
import { loadFunctionsLibrary, runAppHooks, setFunctionTimeout } from "./invocation";
import { type Console, hostLine, processConsole, useFunctionLogLevels } from "./logging";
import { FunctionLogLevels } from "./logLevels";
import { QueueListener } from "./queueListener";
import { readFunctionTimeout, readQueuesOptions } from "./queueOptions";
import { QueueOutputWriter } from "./queueOutputWriter";
import { QueueClients, queueIndexingError } from "./queueStorage";
import { installCoreModule } from "./requireHook";
import { TimerScheduler } from "./timerScheduler";

export { DevHostError } from "./appConfig";

export interface LoadedApp {
  config: AppConfig;
  /** Exactly what each function registered through `@azure/functions-core` (what Azure indexes). */
  metadata: FunctionMetadata[];
}

let loadedRoot: string | undefined;

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}

/**
 * Installs the `@azure/functions-core` module, applies `env` (and, unless disabled, the app's
 * `local.settings.json` Values) to `process.env`, and loads the files named by `package.json` `main`,
 * which register their functions. Serves nothing. One app per process: the library caches the core module
 * and Node caches the app's files.
 */
export function loadFunctionApp(options: {
  appRoot: string;
  env?: Record<string, string>;
  localSettings?: boolean;
}): LoadedApp {
  const appRoot = path.resolve(options.appRoot);
  if (loadedRoot !== undefined) {
    throw new DevHostError(`this process already loaded the app in ${loadedRoot}; use one process per app`);
  }
  loadedRoot = appRoot;
  Object.assign(process.env, options.env ?? {});
  if (options.localSettings !== false) applyLocalSettings(appRoot);
  const config = readAppConfig(appRoot);
  useFunctionLogLevels(new FunctionLogLevels(config.logLevel));
  installCoreModule();
  for (const file of config.entryPoints) {
    try {
      require(file);
    } catch (error) {
      const shown = path.relative(appRoot, file);
      const wrapped = new DevHostError(`could not load ${shown}: ${firstLine(error)}`);
      wrapped.cause = error;
      throw wrapped;
    }
  }
  registry.locked = true;
  return { config, metadata: [...registry.functions.values()].map((r) => r.metadata) };
}

/** One line per function for the banner and for tests. */
export interface FunctionSummary {
  name: string;
  trigger: "http" | "timer" | "queue";
  /** http: methods (undefined = all), route template, full URL template, auth level. */
  methods?: string[];
  route?: string;
  url?: string;
  authLevel?: string;
  /** timer: resolved schedule, as registered, runOnStartup. */
  schedule?: string;
  scheduleSetting?: string;
  runOnStartup?: boolean;
  /** queue: the queue it listens on; any: the queues its output bindings write to. */
  queueName?: string;
  outputQueues?: string[];
}

function summarize(fn: HostedFunction, baseUrl: string, routePrefix: string): FunctionSummary {
  const outputQueues = fn.queueOutputs.length > 0 ? fn.queueOutputs.map((o) => o.queueName) : undefined;
  if (fn.kind === "http") {
    const route = fn.route.template.replace(/^\/+/, "");
    const url = `${baseUrl}/${routePrefix ? `${routePrefix}/` : ""}${route}`;
    return {
      name: fn.name,
      trigger: "http",
      methods: fn.methods,
      route,
      url,
      authLevel: fn.authLevel,
      outputQueues,
    };
  }
  if (fn.kind === "queue") return { name: fn.name, trigger: "queue", queueName: fn.queueName, outputQueues };
  return {
    name: fn.name,
    trigger: "timer",
    outputQueues,
    schedule: fn.schedule,
    scheduleSetting: fn.scheduleSetting,
    runOnStartup: fn.runOnStartup,
  };
}

export function bannerLines(appName: string, url: string, functions: FunctionSummary[]): string[] {
  const lines = [
    `${appName}: local DEV HOST (src/dev/host), not the Azure Functions runtime.`,
    "  It runs HTTP, timer and storage queue triggers (and queue outputs) with the @azure/functions library; `func start` (Core Tools) runs the real host.",
    "  Function keys are not enforced (as with Core Tools locally): authLevel function/admin routes answer without a key.",
    "Functions:",
  ];
  for (const fn of functions) {
    const outputs = fn.outputQueues ? `, output to queue ${fn.outputQueues.join(", ")}` : "";
    if (fn.trigger === "http") {
      lines.push(
        `  ${fn.name}: [${fn.methods?.join(",") ?? "ALL"}] ${fn.url} (authLevel ${fn.authLevel})${outputs}`,
      );
    } else if (fn.trigger === "queue") {
      lines.push(`  ${fn.name}: queue trigger on ${fn.queueName}${outputs}`);
    } else {
      const setting = fn.scheduleSetting !== fn.schedule ? ` from ${fn.scheduleSetting}` : "";
      lines.push(
        `  ${fn.name}: timer "${fn.schedule}"${setting} UTC${fn.runOnStartup ? ", runOnStartup" : ""}${outputs}`,
      );
    }
  }
  lines.push(`dev host listening at ${url}`);
  return lines;
}

export interface DevHostOptions {
  appRoot: string;
  /** Default: PORT from the environment, else 7071; 0 = a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Merged into process.env before the app loads (the app reads its settings there). */
  env?: Record<string, string>;
  /** Read local.settings.json Values into the environment (unset variables only), as Core Tools does. Default true. */
  localSettings?: boolean;
  /** Where logs go; default stdout/stderr. */
  console?: Console;
  /** Print the banner (default true). */
  banner?: boolean;
  /** Log every invocation ("Executing"/"Executed"); by default only failed ones (and the functions' own lines). */
  verbose?: boolean;
}

export interface RunningDevHost {
  /** e.g. http://127.0.0.1:7071 (no route prefix). */
  url: string;
  port: number;
  routePrefix: string;
  /** What each function registered. */
  functions: FunctionMetadata[];
  summaries: FunctionSummary[];
  /** Stops timers and the server, waits for runs in progress, runs appTerminate hooks. */
  close(): Promise<void>;
}

async function lockSetup(): Promise<void> {
  const model = registry.programmingModel;
  if (!model?.getCapabilities) return;
  const capabilities = await model.getCapabilities({});
  if (capabilities.HttpUri) {
    throw new DevHostError(
      "the app enables HTTP streaming (app.setup({ enableHttpStream: true })), which the dev host does not support",
    );
  }
}

/**
 * How long a queue message stays hidden while its function runs: 10 minutes as in the host, renewed at half that.
 * DEVHOST_QUEUE_LEASE_SECONDS shortens it (dev host only), so that a test of a crash need not wait 10 minutes for the
 * messages the dead host held to come back.
 */
function messageLeaseMs(): number {
  const raw = process.env.DEVHOST_QUEUE_LEASE_SECONDS?.trim();
  if (!raw) return 600_000;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 604_800) {
    throw new DevHostError(`DEVHOST_QUEUE_LEASE_SECONDS '${raw}' is not a number of seconds (1-604800)`);
  }
  return Number(raw) * 1000;
}

/**
 * How long after the ready line the queue listeners make their first poll (a write to the queue by a function of the
 * app wakes them at once). On Azure the host polls the queues in its own process, beside the worker, so an app that
 * just started serves its first requests without that work; here the listeners' start (storage clients built,
 * queues created, the first receive: about 20 ms of CPU) would share the one thread with those requests.
 */
export const QUEUE_LISTENERS_START_DELAY_MS = 1_000;

/** Loads the app, runs appStart hooks, serves its HTTP triggers and runs its timers. One per process. */
export async function startDevHost(options: DevHostOptions): Promise<RunningDevHost> {
  const out = options.console ?? processConsole;
  const { config, metadata } = loadFunctionApp(options);
  const functions = buildFunctionTable(registry.functions.values(), process.env).filter((fn) => {
    const connections = [
      ...(fn.kind === "queue" ? [fn.connection] : []),
      ...fn.queueOutputs.map((o) => o.connection),
    ];
    const error = connections.length > 0 ? queueIndexingError(connections, process.env) : undefined;
    if (error === undefined) return true;
    hostLine(out, `Error indexing method 'Functions.${fn.name}': ${error}`, "error");
    hostLine(out, `Function '${fn.name}' failed indexing and will be disabled.`, "warning");
    return false;
  });
  const library: FunctionsLibrary = loadFunctionsLibrary(config.appRoot);
  await lockSetup();
  await runAppHooks("appStart", config.appRoot);

  setFunctionTimeout(readFunctionTimeout(config.appRoot, process.env));
  const queueFunctions = functions.filter((f): f is QueueFunction => f.kind === "queue");
  const usesQueues = queueFunctions.length > 0 || functions.some((f) => f.queueOutputs.length > 0);
  const queues = usesQueues ? readQueuesOptions(config.appRoot, process.env) : undefined;
  const listeners: QueueListener[] = [];
  const clients = new QueueClients(process.env);
  const writer = queues
    ? new QueueOutputWriter(clients, queues, (queueName) => {
        for (const listener of listeners) if (listener.queueName === queueName) listener.notify();
      })
    : undefined;

  const verbose = options.verbose === true;
  const port = options.port ?? Number(process.env.PORT || 7071);
  const host = options.host ?? "127.0.0.1";
  const httpFunctions = functions.filter((f): f is HttpFunction => f.kind === "http");
  const server = await startHttpServer({
    functions: httpFunctions,
    routePrefix: config.routePrefix,
    library,
    out,
    port,
    host,
    bodyLimit: bodyLimitFromEnv(process.env),
    writer,
    verbose,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE") throw new DevHostError(`port ${port} is already in use (PORT)`);
    if (error.code === "EACCES") throw new DevHostError(`no permission to listen on port ${port} (PORT)`);
    throw error;
  });
  const summaries = functions.map((fn) => summarize(fn, server.url, config.routePrefix));
  if (options.banner !== false)
    for (const line of bannerLines(config.appName, server.url, summaries)) out.out(line);

  const timers = functions
    .filter((f): f is TimerFunction => f.kind === "timer")
    .map((fn) => new TimerScheduler(fn, library, out, writer, verbose));
  for (const timer of timers) timer.start();
  if (queues && writer) {
    for (const fn of queueFunctions) {
      listeners.push(
        new QueueListener({
          fn,
          library,
          out,
          clients,
          queues,
          writer,
          leaseMs: messageLeaseMs(),
          verbose,
        }),
      );
    }
  }
  for (const listener of listeners) listener.start(QUEUE_LISTENERS_START_DELAY_MS);

  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    routePrefix: config.routePrefix,
    functions: metadata,
    summaries,
    close: () => {
      closing ??= (async () => {
        await Promise.all([
          server.close(),
          ...timers.map((t) => t.close()),
          ...listeners.map((l) => l.close()),
        ]);
        await runAppHooks("appTerminate", config.appRoot);
      })();
      return closing;
    },
  };
}
