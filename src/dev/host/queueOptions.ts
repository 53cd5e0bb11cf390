import { cpus } from "node:os";
import { hostSetting } from "../../config/hostJson";
import { DevHostError, hostJsonOf } from "./appConfig";

/**
 * host.json `extensions.queues`, as the storage queues extension reads it (QueuesOptions): defaults batchSize 16,
 * newBatchThreshold N*batchSize/2 (N = vCPUs), maxPollingInterval 1 minute, visibilityTimeout 0,
 * maxDequeueCount 5, messageEncoding base64. An app setting `AzureFunctionsJobHost__extensions__queues__<name>`
 * overrides host.json, as in Azure.
 */
export interface QueuesOptions {
  batchSize: number;
  newBatchThreshold: number;
  maxPollingIntervalMs: number;
  visibilityTimeoutMs: number;
  maxDequeueCount: number;
  messageEncoding: "base64" | "none";
}

/** A TimeSpan as host.json writes it ("00:00:02", "1.00:00:00", "00:00:00.500") in ms. */
export function parseTimeSpan(text: string, what: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!match) throw new DevHostError(`${what} "${text}" is not a TimeSpan (hh:mm:ss)`);
  const [, days, hours, minutes, seconds, fraction] = match;
  return (
    ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 +
    Number(seconds) * 1000 +
    Math.round(Number(`0.${fraction ?? "0"}`) * 1000)
  );
}

function positiveInteger(value: unknown, what: string, max: number): number {
  const number = typeof value === "string" ? Number(value.trim()) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 0 || number > max) {
    throw new DevHostError(`${what} must be a whole number from 0 to ${max}`);
  }
  return number;
}

export function readQueuesOptions(appRoot: string, env: NodeJS.ProcessEnv = process.env): QueuesOptions {
  const hostJson = hostJsonOf(appRoot);
  const value = (name: string): unknown => hostSetting(hostJson, env, ["extensions", "queues", name]);
  const what = (name: string) => `host.json extensions.queues.${name}`;
  const batchSize =
    value("batchSize") === undefined ? 16 : positiveInteger(value("batchSize"), what("batchSize"), 32);
  if (batchSize < 1) throw new DevHostError(`${what("batchSize")} must be at least 1`);
  const threshold = value("newBatchThreshold");
  const span = (name: string, fallbackMs: number) => {
    const raw = value(name);
    return raw === undefined ? fallbackMs : parseTimeSpan(String(raw), what(name));
  };
  const encoding = String(value("messageEncoding") ?? "base64").toLowerCase();
  if (encoding !== "base64" && encoding !== "none") {
    throw new DevHostError(`${what("messageEncoding")} must be "base64" or "none"`);
  }
  const maxDequeueCount =
    value("maxDequeueCount") === undefined
      ? 5
      : positiveInteger(value("maxDequeueCount"), what("maxDequeueCount"), 10_000);
  return {
    batchSize,
    newBatchThreshold:
      threshold === undefined
        ? Math.floor((cpus().length * batchSize) / 2)
        : positiveInteger(threshold, what("newBatchThreshold"), 10_000),
    // The extension's floor for the polling interval is 100 ms (QueuePollingIntervals.Minimum).
    maxPollingIntervalMs: Math.max(100, span("maxPollingInterval", 60_000)),
    visibilityTimeoutMs: span("visibilityTimeout", 0),
    maxDequeueCount: Math.max(1, maxDequeueCount),
    messageEncoding: encoding,
  };
}

/** The host's default functionTimeout outside the Consumption plan (Flex Consumption, Premium, Dedicated, local). */
const DEFAULT_FUNCTION_TIMEOUT_MS = 30 * 60_000;

/**
 * host.json `functionTimeout` (or `AzureFunctionsJobHost__functionTimeout`): a TimeSpan, or -1 for none
 * (undefined); unset, the host's default of 30 minutes.
 */
export function readFunctionTimeout(
  appRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): number | undefined {
  const raw = hostSetting(hostJsonOf(appRoot), env, ["functionTimeout"]);
  if (raw === undefined || raw === null) return DEFAULT_FUNCTION_TIMEOUT_MS;
  const text = String(raw).trim();
  if (text === "-1") return undefined;
  const ms = parseTimeSpan(text, "host.json functionTimeout");
  if (ms < 1000) throw new DevHostError(`host.json functionTimeout "${text}" is shorter than a second`);
  return ms;
}
