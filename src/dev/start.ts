import path from "node:path";
import { ConfigError } from "../config/configError";
import { storageConnectionFromEnv } from "../config/storageConnection";
import { checkRelaySettings } from "../relay";
import { applyLocalSettings, readAppConfig } from "./host/appConfig";
import { azuritePortsFromSetting, connectionString, planAzurite, startAzurite } from "./launcher/azurite";
import type { Child } from "./launcher/child";
import { startEmulator } from "./launcher/emulator";
import { chooseFunctionsHost, startFunctionsHost } from "./launcher/functionsHost";
import { canListen } from "./launcher/ports";

/**
 * `npm start` (after the build): the whole relay on one machine.
 *   - Azurite in memory when AzureWebJobsStorage is unset or UseDevelopmentStorage=true (and no identity-based
 *     AzureWebJobsStorage__* service URI or account name is set)
 *     (RELAY_AZURITE_PORTS: unset = 10000,10001,10002, reused when all three already listen; 0 = free ports);
 *   - the bundled AI Core emulator when AICORE_SERVICE_KEY is unset (EMULATOR_PORT, default a free port);
 *   - `func start` where Core Tools are installed, else the dev host (RELAY_FUNCTIONS_HOST=func|devhost forces);
 *   - PORT (default 7071) for the relay. local.settings.json Values apply where the environment sets nothing.
 * Ctrl-C / SIGTERM stops every child it started. A start failure is one line and exit code 1.
 */

const APP_ROOT = path.resolve(__dirname, "..", "..", "..");
const CHURN_INSTANCE =
  '{"region":3,"tenure":37,"age":53,"address":13,"income":48,"employ":10,"gender":0,"equip":0}';

const children: Child[] = [];
let shuttingDown: Promise<never> | undefined;

function say(line: string): void {
  process.stdout.write(`[start] ${line}\n`);
}

class StartFailure extends Error {}

async function stopChildren(): Promise<void> {
  // The relay first, then what it depends on.
  for (const child of [...children].reverse()) await child.stop();
}

function shutdown(code: number, reason?: string): Promise<never> {
  shuttingDown ??= (async () => {
    if (reason) process.stderr.write(`[start] ${reason}\n`);
    await stopChildren();
    process.exit(code);
  })();
  return shuttingDown;
}

function watch(child: Child, what: string): void {
  children.push(child);
  say(`started ${what} (pid ${child.pid})`);
  child.exited.then((status) => {
    if (child.stopping || shuttingDown) return;
    void shutdown(1, `${what} stopped unexpectedly: ${child.failureReason(status)}`);
  });
}

function portSetting(env: NodeJS.ProcessEnv): number {
  const raw = env.PORT?.trim() || "7071";
  if (!/^\d+$/.test(raw) || Number(raw) > 65_535) throw new StartFailure(`PORT '${raw}' is not a port`);
  return Number(raw);
}

async function waitForHealth(baseUrl: string, routePrefix: string, timeoutMs: number): Promise<boolean> {
  const url = `${baseUrl}/${routePrefix ? `${routePrefix}/` : ""}health`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !shuttingDown) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return true;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  applyLocalSettings(APP_ROOT, env);
  const port = portSetting(env);
  const host = chooseFunctionsHost(APP_ROOT, env);
  const { routePrefix } = readAppConfig(APP_ROOT);

  if (port !== 0 && !(await canListen(port))) throw new StartFailure(`port ${port} is already in use (PORT)`);

  const storage = storageConnectionFromEnv(env);
  const storageTask = (async () => {
    if (storage.kind === "identity") {
      say(`identity-based storage is set (${storage.tableServiceUrl}): using it, no Azurite`);
      return;
    }
    if (storage.connectionString !== "UseDevelopmentStorage=true") {
      say("AzureWebJobsStorage is set: using it, no Azurite");
      return;
    }
    const plan = await planAzurite(azuritePortsFromSetting(env.RELAY_AZURITE_PORTS));
    if (plan.action === "fail") throw new StartFailure(plan.reason);
    if (plan.action === "reuse") {
      say(
        `Azurite already listens on ${plan.ports.blob}, ${plan.ports.queue}, ${plan.ports.table}: using it`,
      );
      env.AzureWebJobsStorage = connectionString(plan.ports);
      return;
    }
    const azurite = await startAzurite(plan.ports);
    watch(azurite.child, "Azurite (in memory)");
    const p = azurite.ports;
    say(`Azurite listens on blob ${p.blob}, queue ${p.queue}, table ${p.table}`);
    env.AzureWebJobsStorage = connectionString(p);
  })();

  const keyTask = (async () => {
    if (env.AICORE_SERVICE_KEY?.trim()) {
      say("AICORE_SERVICE_KEY is set: using it, no emulator");
      return;
    }
    const emulator = await startEmulator(APP_ROOT, env);
    watch(emulator.child, "the AI Core emulator");
    env.AICORE_SERVICE_KEY = JSON.stringify(emulator.serviceKey);
    say(
      `AICORE_SERVICE_KEY is unset: the relay uses the bundled AI Core emulator at ${emulator.url} (a generated service key)`,
    );
  })();

  const results = await Promise.allSettled([storageTask, keyTask]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;

  env.PORT = String(port);
  // The host would only log a configuration error and answer 503; locally, say it before starting anything more.
  try {
    checkRelaySettings(env, APP_ROOT);
  } catch (error) {
    if (error instanceof ConfigError) throw new StartFailure(error.message);
    throw error;
  }

  say(
    `functions host: ${host.kind === "func" ? "func start (Azure Functions Core Tools)" : "dev host"} (${host.why})`,
  );
  const relay = await startFunctionsHost({ kind: host.kind, func: host.func, appRoot: APP_ROOT, port, env });
  watch(relay.child, host.kind === "func" ? "func start" : "the dev host");

  const base = `${relay.baseUrl}${routePrefix ? `/${routePrefix}` : ""}`;
  const healthy = await waitForHealth(relay.baseUrl, routePrefix, 30_000);
  if (shuttingDown) return;
  say(
    healthy
      ? `relay ready at ${base}`
      : `relay listening at ${base}, but ${base}/health did not answer 200 yet`,
  );
  say("try the churn example of SAP AI Core:");
  process.stdout.write(
    `  curl -s -X POST ${base}/models/churn/predict -H 'Content-Type: application/json' -d '${CHURN_INSTANCE}'\n`,
  );
  say("Ctrl-C stops everything.");
}

process.on("SIGINT", () => void shutdown(0, "SIGINT: stopping"));
process.on("SIGTERM", () => void shutdown(0, "SIGTERM: stopping"));

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  void shutdown(1, `failed: ${message.split("\n")[0]}`);
});
