import { app } from "@azure/functions";
import { relayTimerFunction } from "../src/api/relayFunction";

export const purgeJobs = relayTimerFunction(() =>
  import("../src/api/handlers.js").then((m) => m.loadPurgeJobsHandler()),
);

// Table storage keeps rows until they are deleted: once a day, drop the job records past JOB_TTL_HOURS.
app.timer("purgeJobs", {
  schedule: "0 45 3 * * *",
  handler: purgeJobs,
});
