import type { InvocationContext } from "@azure/functions";
import * as z from "zod";
import type { CallbackTask } from "../deliveries/callbackDelivery";
import { MAX_JOB_ID_LENGTH } from "../jobs/jobIds";
import { MAX_CALLBACK_URL_LENGTH } from "../jobs/scoringJob";
import type { Relay } from "../relay/relay";
import type { Logger } from "../shared/logger";

const taskSchema = z.object({
  jobId: z.string().min(1).max(MAX_JOB_ID_LENGTH),
  url: z.string().min(1).max(MAX_CALLBACK_URL_LENGTH),
  attempt: z.number().int().min(1).max(1000),
  series: z.number().int().min(0).optional(),
});

/** The trigger hands parsed JSON when the message text was JSON, else the text. */
function taskOf(message: unknown): CallbackTask | undefined {
  let value = message;
  if (typeof message === "string") {
    try {
      value = JSON.parse(message);
    } catch {
      return undefined;
    }
  }
  const parsed = taskSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The storage queue trigger on the callback queue: one attempt of one job's callback per message. A storage
 * failure throws, so that the host shows the message again (same `webhook-id`); a message that is not a task is
 * dropped with one log line — the relay writes every task itself.
 */
export async function createDeliverCallbackHandler(relay: Relay, logger?: Pick<Logger, "warn">) {
  const { jobs } = await relay.features(logger);
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const task = taskOf(message);
    if (!task) {
      context.warn("callback queue: a message that is not a callback task was dropped");
      return;
    }
    await jobs.callbacks.delivery.run(task, context);
  };
}
