import type { InvocationContext, Timer } from "@azure/functions";
import type { Relay } from "../relay/relay";

/** The timer tick: one list call per (resource group, scenario); failures are logged, never thrown. */
export function createRefreshHandler(relay: Relay) {
  return async (timer: Timer, context: InvocationContext): Promise<void> => {
    const summary = await relay.refresher.refreshAll(context);
    const late = timer.isPastDue ? " (tick was past due)" : "";
    const line = `refreshed ${summary.records} deployment record(s) from ${summary.groups} list call group(s), ${summary.failedGroups} failed${late}`;
    if (summary.failedGroups > 0) context.warn(line);
    else context.log(line);
  };
}
