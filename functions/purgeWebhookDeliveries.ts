import { app } from "@azure/functions";
import { createPurgeDeliveriesHandler } from "../src/api/purgeDeliveriesHandler";
import { relayFromEnvironment } from "../src/relay";

export const purgeWebhookDeliveries = createPurgeDeliveriesHandler(relayFromEnvironment());

// Table storage keeps rows until they are deleted: once a day, drop the de-duplication records past expiry.
app.timer("purgeWebhookDeliveries", {
  schedule: "0 30 3 * * *",
  handler: purgeWebhookDeliveries,
});
