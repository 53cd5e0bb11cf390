import type { InvocationContext } from "@azure/functions";
import type { ResultEvent } from "../jobs/jobResult";
import type { JobDelivery } from "../jobs/jobStore";
import type { Relay } from "../relay/relay";
import type { Logger } from "../shared/logger";

/** The delivery as the storage queue trigger describes it in `triggerMetadata` (`id`, `dequeueCount`, ...). */
function deliveryOf(context: InvocationContext): JobDelivery {
  const metadata = context.triggerMetadata ?? {};
  const id = metadata.id;
  const dequeueCount = Number(metadata.dequeueCount);
  return {
    messageId: typeof id === "string" && id !== "" ? id : context.invocationId,
    dequeueCount: Number.isInteger(dequeueCount) && dequeueCount > 0 ? dequeueCount : 1,
  };
}

/**
 * The storage queue trigger on the scoring queue: one job per message. Returns the result CloudEvent for the
 * output binding (the results queue), nothing when there is nothing to publish, or throws for the host to retry.
 */
export async function createScoreJobHandler(relay: Relay, logger?: Pick<Logger, "warn">) {
  const { jobs } = await relay.features(logger);
  return (message: unknown, context: InvocationContext): Promise<ResultEvent | undefined> =>
    jobs.processor.process(message, deliveryOf(context), context);
}
