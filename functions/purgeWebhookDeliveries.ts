import { app } from "@azure/functions";
import { relayTimerFunction } from "../src/api/relayFunction";

export const purgeWebhookDeliveries = relayTimerFunction(() =>
  import("../src/api/handlers.js").then((m) => m.loadPurgeDeliveriesHandler()),
);

// Table storage keeps rows until they are deleted: once a day, drop the de-duplication records past expiry.
app.timer("purgeWebhookDeliveries", {
  schedule: "0 30 3 * * *",
  handler: purgeWebhookDeliveries,
});
