import { app } from "@azure/functions";
import { createRefreshHandler } from "../src/api/refreshHandler";
import { relayFromEnvironment } from "../src/relay";

export const refreshDeployments = createRefreshHandler(relayFromEnvironment());

// The schedule is a setting (DEPLOYMENT_REFRESH_SCHEDULE); the host holds a lease so it runs once per app.
app.timer("refreshDeployments", {
  schedule: "%DEPLOYMENT_REFRESH_SCHEDULE%",
  runOnStartup: true,
  handler: refreshDeployments,
});
