import { ConfigError } from "../config/configError";
import { readHostJson } from "../config/hostJson";
import { hostQueueSettings, type MessageEncoding } from "../config/hostQueues";
import { DEFAULT_RESULTS_QUEUE, DEFAULT_SCORING_QUEUE } from "../config/queueNames";
import { ttlHoursSetting } from "../config/ttlHoursSetting";

export interface JobSettings {
  /** Queue the jobs arrive on (`SCORING_QUEUE`). */
  scoringQueue: string;
  /** Queue the result CloudEvents go to (`RESULTS_QUEUE`). */
  resultsQueue: string;
  /** How long a job record is kept (`JOB_TTL_HOURS`, default 24). */
  ttlMs: number;
  /** host.json `extensions.queues.maxDequeueCount`: the attempt that is the last one. */
  maxDequeueCount: number;
  /** host.json `extensions.queues.messageEncoding`: how the relay writes jobs and results, as the host would. */
  messageEncoding: MessageEncoding;
  /** Blob container of whole results too large for a queue message (`RESULTS_CONTAINER`). */
  resultsContainer: string;
  /** The app's host name as Azure sets it (`WEBSITE_HOSTNAME`): a claim check's dataref is absolute with it. */
  hostName?: string;
}

/** Container names follow the queue-name rule below (lowercase letters, digits and single hyphens). */
const DEFAULT_RESULTS_CONTAINER = "scoring-results";
const HOST_NAME = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?$/i;

/**
 * Azure's rule for queue names (3-63 lowercase letters, digits and single hyphens, starting and ending
 * alphanumeric), capped at 56 so that the host's poison queue `<name>-poison` fits 63: the host creates no poison
 * queue for a longer name, and a failing message would come back forever.
 */
const QUEUE_NAME = /^(?=.{3,56}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

function queueName(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const value = env[name]?.trim() || fallback;
  if (!QUEUE_NAME.test(value)) {
    throw new ConfigError(
      `${name} is not a storage queue name of 3-56 lowercase letters, digits and single hyphens (56 leaves room for "-poison")`,
    );
  }
  return value;
}

export function loadJobSettings(env: NodeJS.ProcessEnv, appRoot: string): JobSettings {
  return {
    scoringQueue: queueName(env, "SCORING_QUEUE", DEFAULT_SCORING_QUEUE),
    resultsQueue: queueName(env, "RESULTS_QUEUE", DEFAULT_RESULTS_QUEUE),
    ttlMs: ttlHoursSetting(env, "JOB_TTL_HOURS", 24),
    ...hostQueueSettings(readHostJson(appRoot), env),
    resultsContainer: queueName(env, "RESULTS_CONTAINER", DEFAULT_RESULTS_CONTAINER),
    ...hostNameOf(env),
  };
}

/** WEBSITE_HOSTNAME when it is a host name (Azure sets it); anything else is left out, never put in a URL. */
function hostNameOf(env: NodeJS.ProcessEnv): { hostName?: string } {
  const value = env.WEBSITE_HOSTNAME?.trim();
  return value && HOST_NAME.test(value) ? { hostName: value } : {};
}
