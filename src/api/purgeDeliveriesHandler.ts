import type { InvocationContext, Timer } from "@azure/functions";
import type { Relay } from "../relay";

/** The daily clean-up of expired webhook delivery records; a failure is logged and tried again next day. */
export function createPurgeDeliveriesHandler(relay: Relay) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    try {
      const deleted = await relay.webhooks.purgeExpiredDeliveries();
      context.log(`purged ${deleted} expired webhook delivery record(s)`);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      context.warn(`purging expired webhook delivery records failed: ${reason}`);
    }
  };
}
