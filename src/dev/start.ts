import path from "node:path";
import { ConfigError } from "../config/configError";
import { storageConnectionFromEnv } from "../config/storageConnection";
import { checkRelaySettings } from "../relay/relay";
import { faultRulesFromSetting } from "./emulator/faultRules";
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
let relayChild: Child | undefined;
let shuttingDown: Promise<never> | undefined;

function say(line: string): void {
  process.stdout.write(`[start] ${line}\n`);
}

class StartFailure extends Error {}

/** Each child gets this long after SIGTERM before SIGKILL: everything is down within 5 s of a stop signal. */
const STOP_GRACE_MS = 2_000;

async function stopChildren(): Promise<void> {
  // The relay first (so that it logs no errors about vanished dependencies), then the rest at once.
  await relayChild?.stop(STOP_GRACE_MS);
  await Promise.all(children.map((child) => child.stop(STOP_GRACE_MS)));
}

function shutdown(code: number, reason?: string): Promise<never> {
  shuttingDown ??= (async () => {
    if (reason) process.stderr.write(`[start] ${reason}\n`);
    await stopChildren();
    process.exit(code);
  })();
  return shuttingDown;
}

/** Stops the launcher when `child` ends by itself; returns the line that announces it. */
function watch(child: Child, what: string): string {
  children.push(child);
  child.exited.then((status) => {
    if (child.stopping || shuttingDown) return;
    void shutdown(1, `${what} stopped unexpectedly: ${child.failureReason(status)}`);
  });
  return `started ${what} (pid ${child.pid})`;
}

/** Stands in for the key the emulator will generate, so that every other setting is checked before it starts. */
const STAND_IN_SERVICE_KEY = JSON.stringify({
  clientid: "stand-in",
  clientsecret: "stand-in",
  url: "http://127.0.0.1",
  serviceurls: { AI_API_URL: "http://127.0.0.1" },
});

/** The relay's own check of its settings and catalog, run before any child starts: a wrong one fails at once. */
async function checkSettings(env: NodeJS.ProcessEnv): Promise<void> {
  const checked = { ...env };
  if (!checked.AICORE_SERVICE_KEY?.trim()) {
    checked.AICORE_SERVICE_KEY = STAND_IN_SERVICE_KEY;
    const faults = faultRulesFromSetting(env.EMULATOR_FAULTS);
    if (!faults.ok) throw new StartFailure(`EMULATOR_FAULTS ${faults.message}`);
  }
  try {
    await checkRelaySettings(checked, APP_ROOT);
  } catch (error) {
    if (error instanceof ConfigError) throw new StartFailure(error.message);
    throw error;
  }
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
  const { routePrefix } = readAppConfig(APP_ROOT, env);

  env.PORT = String(port);
  // The host would only log a configuration error and answer 503; locally, say it before starting anything.
  await checkSettings(env);
  if (port !== 0 && !(await canListen(port))) throw new StartFailure(`port ${port} is already in use (PORT)`);
  const emulatorPort = Number(env.EMULATOR_PORT?.trim() || "0");
  if (!env.AICORE_SERVICE_KEY?.trim() && emulatorPort > 0 && !(await canListen(emulatorPort))) {
    throw new StartFailure(`port ${emulatorPort} is already in use (EMULATOR_PORT)`);
  }

  // Azurite and the emulator start at the same time; their lines are printed in this order once both are up.
  const storage = storageConnectionFromEnv(env);
  const storageTask = async (): Promise<string[]> => {
    if (storage.kind === "identity") {
      return [`identity-based storage is set (${storage.tableServiceUrl}): using it, no Azurite`];
    }
    if (storage.connectionString !== "UseDevelopmentStorage=true") {
      return ["AzureWebJobsStorage is set: using it, no Azurite"];
    }
    const plan = await planAzurite(azuritePortsFromSetting(env.RELAY_AZURITE_PORTS));
    if (plan.action === "fail") throw new StartFailure(plan.reason);
    if (plan.action === "reuse") {
      env.AzureWebJobsStorage = connectionString(plan.ports);
      const { blob, queue, table } = plan.ports;
      return [`Azurite already listens on ${blob}, ${queue}, ${table}: using it`];
    }
    const azurite = await startAzurite(plan.ports);
    const p = azurite.ports;
    env.AzureWebJobsStorage = connectionString(p);
    return [
      watch(azurite.child, "Azurite (in memory)"),
      `Azurite listens on blob ${p.blob}, queue ${p.queue}, table ${p.table}`,
    ];
  };
  const keyTask = async (): Promise<string[]> => {
    if (env.AICORE_SERVICE_KEY?.trim()) return ["AICORE_SERVICE_KEY is set: using it, no emulator"];
    const emulator = await startEmulator(APP_ROOT, env);
    env.AICORE_SERVICE_KEY = JSON.stringify(emulator.serviceKey);
    return [
      watch(emulator.child, "the AI Core emulator"),
      `AICORE_SERVICE_KEY is unset: the relay uses the bundled AI Core emulator at ${emulator.url} (a generated service key)`,
    ];
  };
  const results = await Promise.allSettled([storageTask(), keyTask()]);
  for (const result of results) if (result.status === "fulfilled") for (const line of result.value) say(line);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;

  say(
    `functions host: ${host.kind === "func" ? "func start (Azure Functions Core Tools)" : "dev host"} (${host.why})`,
  );
  const relay = await startFunctionsHost({ kind: host.kind, func: host.func, appRoot: APP_ROOT, port, env });
  relayChild = relay.child;
  say(watch(relay.child, host.kind === "func" ? "func start" : "the dev host"));

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
process.on("SIGHUP", () => void shutdown(0, "SIGHUP: stopping"));

// `npm start` runs this as npm's own child (`exec` in the script), so npm hands on SIGINT/SIGTERM. Should the
// parent vanish without that (npm killed with SIGKILL), stop too rather than leave the children running.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid !== parentPid) void shutdown(1, `parent process ${parentPid} is gone: stopping`);
}, 500).unref();

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  void shutdown(1, `failed: ${message.split("\n")[0]}`);
});
