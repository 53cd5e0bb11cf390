import { faultRulesFromSetting } from "./faultRules";
import { type EmulatorOptions, startEmulator } from "./server";

/**
 * CLI: `node dist/src/dev/emulator/main.js`. Prints exactly one JSON line to stdout when listening,
 * `{"event":"ready","url":...,"serviceKey":{...}}`, and nothing else there. Settings (all optional):
 * EMULATOR_PORT (0 = free port), EMULATOR_HOST, EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET,
 * EMULATOR_TOKEN_LIFETIME_SECONDS, EMULATOR_PATCH_DELAY_MS, EMULATOR_STOP_DELAY_MS, EMULATOR_START_DELAY_MS,
 * EMULATOR_DELETE_DELAY_MS, and EMULATOR_FAULTS: fault
 * rules in force from the start, the JSON `PUT /__emulator/faults` takes, e.g.
 * `{"rules":[{"kinds":["predict"],"fraction":0.2,"action":{"type":"status","status":503,"retryAfter":1}}]}`.
 */

class UsageError extends Error {}

function numberSetting(name: string, max: number): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) > max) {
    throw new UsageError(`${name} must be an integer from 0 to ${max}, got '${raw}'`);
  }
  return Number(raw);
}

function faultSetting(): EmulatorOptions["faults"] {
  const parsed = faultRulesFromSetting(process.env.EMULATOR_FAULTS);
  if (!parsed.ok) throw new UsageError(`EMULATOR_FAULTS ${parsed.message}`);
  return parsed.rules;
}

function optionsFromEnvironment(): EmulatorOptions {
  return {
    port: numberSetting("EMULATOR_PORT", 65_535) ?? 0,
    host: process.env.EMULATOR_HOST || undefined,
    clientId: process.env.EMULATOR_CLIENT_ID || undefined,
    clientSecret: process.env.EMULATOR_CLIENT_SECRET || undefined,
    tokenLifetimeSeconds: numberSetting("EMULATOR_TOKEN_LIFETIME_SECONDS", 31_536_000),
    patchDelayMs: numberSetting("EMULATOR_PATCH_DELAY_MS", 86_400_000),
    stopDelayMs: numberSetting("EMULATOR_STOP_DELAY_MS", 86_400_000),
    startDelayMs: numberSetting("EMULATOR_START_DELAY_MS", 86_400_000),
    deleteDelayMs: numberSetting("EMULATOR_DELETE_DELAY_MS", 86_400_000),
    faults: faultSetting(),
  };
}

function failureLine(error: unknown, port: number | undefined): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE") return `aicore emulator: port ${port} is already in use`;
  if (code === "EACCES") return `aicore emulator: no permission to listen on port ${port}`;
  return `aicore emulator: ${error instanceof Error ? error.message : String(error)}`;
}

async function main(): Promise<void> {
  let options: EmulatorOptions = {};
  try {
    options = optionsFromEnvironment();
    const emulator = await startEmulator(options);
    const stop = (): void => {
      emulator.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    // Before the ready line: a parent may signal as soon as it has read it (stdout to a pipe is synchronous).
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    process.stdout.write(
      `${JSON.stringify({ event: "ready", url: emulator.url, serviceKey: emulator.serviceKey })}\n`,
    );
  } catch (error) {
    process.stderr.write(`${failureLine(error, options.port)}\n`);
    process.exit(1);
  }
}

void main();
