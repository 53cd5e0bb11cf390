import { app } from "@azure/functions";
import { relayTimerFunction } from "../src/api/relayFunction";
import { refreshScheduleFrom } from "../src/config/refreshSchedule";

export const refreshDeployments = relayTimerFunction(() =>
  import("../src/api/handlers.js").then((m) => m.loadRefreshHandler()),
);

// Every minute unless DEPLOYMENT_REFRESH_SCHEDULE overrides it; the host holds a lease so it runs once per app.
// No runOnStartup: it would fire on every restart and scale-out; a missing record is looked up live instead.
app.timer("refreshDeployments", {
  schedule: refreshScheduleFrom(),
  handler: refreshDeployments,
});
