import { app } from "@azure/functions";
import { relayQueueFunction } from "../src/api/relayFunction";
import { callbackQueueName } from "../src/config/queueNames";

export const deliverCallbacks = relayQueueFunction(() =>
  import("../src/api/handlers.js").then((m) => m.loadDeliverCallbackHandler()),
);

// One attempt per message; the next attempt is a new message the handler queues, hidden for the schedule's delay.
// The queue name is read when the worker indexes the function, as for scoreJobs (no %Setting% the host would need).
app.storageQueue("deliverCallbacks", {
  queueName: callbackQueueName(process.env),
  connection: "AzureWebJobsStorage",
  handler: deliverCallbacks,
});
