import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { DevHostError } from "./appConfig";

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

const OVERRIDE = "AzureFunctionsJobHost__extensions__queues__";

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hostQueues(appRoot: string): Record<string, unknown> {
  const file = path.join(appRoot, "host.json");
  if (!existsSync(file)) return {};
  try {
    const json: unknown = JSON.parse(readFileSync(file, "utf8"));
    const extensions = isObject(json) ? json.extensions : undefined;
    const queues = isObject(extensions) ? extensions.queues : undefined;
    return isObject(queues) ? queues : {};
  } catch {
    return {};
  }
}

function positiveInteger(value: unknown, what: string, max: number): number {
  const number = typeof value === "string" ? Number(value.trim()) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 0 || number > max) {
    throw new DevHostError(`${what} must be a whole number from 0 to ${max}`);
  }
  return number;
}

export function readQueuesOptions(appRoot: string, env: NodeJS.ProcessEnv = process.env): QueuesOptions {
  const fromHost = hostQueues(appRoot);
  const value = (name: string): unknown => {
    const override = Object.entries(env).find(
      ([key]) => key.toLowerCase() === `${OVERRIDE}${name}`.toLowerCase(),
    );
    if (override?.[1] !== undefined && override[1].trim() !== "") return override[1];
    const key = Object.keys(fromHost).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : fromHost[key];
  };
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
