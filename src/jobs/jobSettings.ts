import { readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../config/configError";
import { DEFAULT_RESULTS_QUEUE, DEFAULT_SCORING_QUEUE } from "../config/queueNames";
import { ttlHoursSetting } from "../config/ttlHoursSetting";

/** The host's default `extensions.queues.maxDequeueCount`. */
const DEFAULT_MAX_DEQUEUE_COUNT = 5;

export interface JobSettings {
  /** Queue the jobs arrive on (`SCORING_QUEUE`). */
  scoringQueue: string;
  /** Queue the result CloudEvents go to (`RESULTS_QUEUE`). */
  resultsQueue: string;
  /** How long a job record is kept (`JOB_TTL_HOURS`, default 24). */
  ttlMs: number;
  /** host.json `extensions.queues.maxDequeueCount`: the attempt that is the last one. */
  maxDequeueCount: number;
}

/** Azure's rule for queue names: 3-63 lowercase letters, digits and single hyphens, starting and ending alphanumeric. */
const QUEUE_NAME = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

function queueName(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name]?.trim() || fallback;
  if (!QUEUE_NAME.test(value)) {
    throw new ConfigError(
      `${name} is not a storage queue name (3-63 lowercase letters, digits and single hyphens)`,
    );
  }
  return value;
}

/**
 * `maxDequeueCount` as the host reads it: host.json `extensions.queues`, overridden by the app setting
 * `AzureFunctionsJobHost__extensions__queues__maxDequeueCount`.
 */
export function maxDequeueCountOf(appRoot: string, env: NodeJS.ProcessEnv): number {
  const override = env.AzureFunctionsJobHost__extensions__queues__maxDequeueCount?.trim();
  let value: unknown = override;
  if (!override) {
    try {
      const host = JSON.parse(readFileSync(path.join(appRoot, "host.json"), "utf8"));
      value = host?.extensions?.queues?.maxDequeueCount;
    } catch {
      value = undefined;
    }
  }
  const count = Number(value ?? DEFAULT_MAX_DEQUEUE_COUNT);
  return Number.isInteger(count) && count >= 1 ? count : DEFAULT_MAX_DEQUEUE_COUNT;
}

export function loadJobSettings(env: NodeJS.ProcessEnv, appRoot: string): JobSettings {
  return {
    scoringQueue: queueName(env, "SCORING_QUEUE", DEFAULT_SCORING_QUEUE),
    resultsQueue: queueName(env, "RESULTS_QUEUE", DEFAULT_RESULTS_QUEUE),
    ttlMs: ttlHoursSetting(env, "JOB_TTL_HOURS", 24),
    maxDequeueCount: maxDequeueCountOf(appRoot, env),
  };
}
