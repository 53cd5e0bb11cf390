import type { InvocationContext, Timer } from "@azure/functions";
import type { Relay } from "../relay/relay";
import { errorLine } from "../shared/errorLine";
import type { Logger } from "../shared/logger";

/** The daily clean-up of expired webhook delivery records; a failure is logged and tried again next day. */
export async function createPurgeDeliveriesHandler(relay: Relay, logger?: Pick<Logger, "warn">) {
  const { webhooks } = await relay.features(logger);
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    try {
      const deleted = await webhooks.purgeExpiredDeliveries();
      context.log(`purged ${deleted} expired webhook delivery record(s)`);
    } catch (error) {
      context.warn(`purging expired webhook delivery records failed: ${errorLine(error)}`);
    }
  };
}
