import type { InvocationContext, Timer } from "@azure/functions";
import { errorLine } from "../errorLine";
import type { Relay } from "../relay";

/** The daily clean-up of expired webhook delivery records; a failure is logged and tried again next day. */
export function createPurgeDeliveriesHandler(relay: Relay) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    try {
      const deleted = await relay.webhooks.purgeExpiredDeliveries();
      context.log(`purged ${deleted} expired webhook delivery record(s)`);
    } catch (error) {
      context.warn(`purging expired webhook delivery records failed: ${errorLine(error)}`);
    }
  };
}
