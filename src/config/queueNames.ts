/**
 * The queues the queue functions register on, read while the worker indexes them: a setting or its default, no
 * validation (the relay checks them when it is built) and nothing else imported, so indexing stays cheap.
 */
export const DEFAULT_SCORING_QUEUE = "scoring-requests";
export const DEFAULT_RESULTS_QUEUE = "scoring-results";
export const DEFAULT_CALLBACK_QUEUE = "scoring-callbacks";

/** The queue scoring jobs arrive on (`SCORING_QUEUE`). */
export function scoringQueueName(env: NodeJS.ProcessEnv): string {
  return env.SCORING_QUEUE?.trim() || DEFAULT_SCORING_QUEUE;
}

/** The queue result CloudEvents go to (`RESULTS_QUEUE`). */
export function resultsQueueName(env: NodeJS.ProcessEnv): string {
  return env.RESULTS_QUEUE?.trim() || DEFAULT_RESULTS_QUEUE;
}

/** The queue callback deliveries wait on (`CALLBACK_QUEUE`). */
export function callbackQueueName(env: NodeJS.ProcessEnv): string {
  return env.CALLBACK_QUEUE?.trim() || DEFAULT_CALLBACK_QUEUE;
}
