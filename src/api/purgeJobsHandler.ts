import type { InvocationContext, Timer } from "@azure/functions";
import type { Relay } from "../relay/relay";
import { errorLine } from "../shared/errorLine";
import type { Logger } from "../shared/logger";

/** The clean-up of job records past `JOB_TTL_HOURS`; a failure is logged and tried again at the next tick. */
export async function createPurgeJobsHandler(relay: Relay, logger?: Pick<Logger, "warn">) {
  const { jobs } = await relay.features(logger);
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    try {
      const deleted = await jobs.purgeExpired();
      context.log(`purged ${deleted} expired job record(s)`);
    } catch (error) {
      context.warn(`purging expired job records failed: ${errorLine(error)}`);
    }
  };
}
